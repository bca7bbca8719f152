// The judge of corpus answers refuses what the issue forbids: a check that passes everything
// would make the corpus run prove nothing.
import { describe, expect, it } from 'vitest';
import type { CorpusEntry } from './corpus.ts';
import { judge, judgeHttp, namesField } from './wire.ts';

const toolEntry: CorpusEntry = {
  label: 'update_order_status: status is null',
  body: '',
  id: 7,
  expect: { kind: 'tool-error', codes: ['INVALID_INPUT'], names: ['status'] },
};
const toolAnswer = (text: string, isError = true, id: unknown = 7) =>
  JSON.stringify({ jsonrpc: '2.0', id, result: { isError, content: [{ type: 'text', text }] } });
const good = 'INVALID_INPUT: invalid arguments for update_order_status: status: Invalid option';

describe('judge', () => {
  it('accepts a tool error naming the field', () => {
    expect(judge(toolEntry, toolAnswer(good), 'http').problems).toEqual([]);
  });

  it.each([
    ['a success', toolAnswer('{"id":"1"}', false)],
    [
      'another field named (the tool name does not count)',
      toolAnswer('INVALID_INPUT: invalid arguments for update_order_status: order_id: x'),
    ],
    ['another code', toolAnswer('NOT_FOUND: no order with id 1')],
    ['an internal error', toolAnswer('INTERNAL: internal error (ref: 0123456789ab)')],
    ['the wrong id', toolAnswer(good, true, 8)],
    ['a stack trace', toolAnswer(`${good}\n    at read (/app/src/x.ts:1:2)`)],
    ['a source path', toolAnswer(`${good} (/app/dist/server.js:10)`)],
    ['HTML', '<!DOCTYPE html><html><body>Internal Server Error</body></html>'],
    [
      'a JSON-RPC error instead',
      JSON.stringify({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'status' } }),
    ],
    [
      'no jsonrpc member',
      JSON.stringify({ id: 7, result: { isError: true, content: [{ type: 'text', text: good }] } }),
    ],
    [
      'both result and error',
      JSON.stringify({ jsonrpc: '2.0', id: 7, result: {}, error: { code: 1, message: 'x' } }),
    ],
    ['the pollution marker', toolAnswer(`${good} bad_input_polluted`)],
  ])('refuses %s', (_what, answer) => {
    expect(judge(toolEntry, answer, 'http').problems).not.toEqual([]);
  });

  it('wants the right JSON-RPC error code, id and named method', () => {
    const entry: CorpusEntry = {
      label: 'x',
      body: '',
      id: null,
      expect: { kind: 'rpc-error', codes: [-32601], names: ['nope'] },
    };
    const error = (id: unknown, code: number, message: string) =>
      JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
    expect(judge(entry, error(null, -32601, 'method not found: nope'), 'stdio').problems).toEqual([]);
    expect(
      judge(
        entry,
        JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message: 'method not found: nope' } }),
        'stdio',
      ).problems,
    ).toEqual([]);
    expect(judge(entry, error(3, -32601, 'method not found: nope'), 'stdio').problems).not.toEqual([]);
    expect(judge(entry, error(null, -32603, 'method not found: nope'), 'stdio').problems).not.toEqual([]);
    expect(judge(entry, error(null, -32601, 'method not found'), 'stdio').problems).not.toEqual([]);
  });

  it('refuses a 5xx and a non-JSON content type over HTTP, and any answer to a notification', () => {
    const answer = {
      status: 500,
      contentType: 'application/json',
      body: toolAnswer(good),
      messages: [toolAnswer(good)],
    };
    expect(judgeHttp(toolEntry, answer).problems).toContain('HTTP 500');
    expect(judgeHttp(toolEntry, { ...answer, status: 200, contentType: 'text/html' }).problems).not.toEqual(
      [],
    );
    const notification: CorpusEntry = { label: 'n', body: '', id: undefined, expect: { kind: 'none' } };
    expect(judgeHttp(notification, { ...answer, status: 202, body: '', messages: [] }).problems).toEqual([]);
    expect(judgeHttp(notification, { ...answer, status: 200 }).problems).not.toEqual([]);
  });

  it('refuses a -32603 zod dump over stdio where -32602 naming the member is due', () => {
    const entry: CorpusEntry = {
      label: 'tools/call: arguments is an array',
      body: '',
      id: 4,
      expect: { kind: 'rpc-error', codes: [-32602], names: ['arguments'] },
    };
    const error = (code: number, message: string) =>
      JSON.stringify({ jsonrpc: '2.0', id: 4, error: { code, message } });
    const named = 'invalid params for tools/call: params.arguments: Invalid input: expected record';
    expect(judge(entry, error(-32602, named), 'stdio').problems).toEqual([]);
    const dump = '[\n  {\n    "expected": "record",\n    "path": ["params", "arguments"]\n  }\n]';
    expect(judge(entry, error(-32603, dump), 'stdio').problems).not.toEqual([]);
  });

  it('wants __proto__ refused as an unknown field on every transport: ignoring it is a failure', () => {
    const entry: CorpusEntry = {
      label: 'add: extra key __proto__',
      body: '',
      id: 7,
      expect: { kind: 'tool-error', codes: ['INVALID_INPUT'], names: ['__proto__'] },
    };
    const refused = toolAnswer('INVALID_INPUT: invalid arguments for add: __proto__: unknown field');
    const ignored = toolAnswer('{"sum":3}', false);
    for (const transport of ['stdio', 'http'] as const)
      expect(judge(entry, refused, transport)).toEqual({ problems: [] });
    for (const other of [
      ignored,
      toolAnswer('INTERNAL: internal error (ref: 0123456789ab)'),
      toolAnswer('INVALID_INPUT: invalid arguments for add: extra: unknown field'),
      JSON.stringify({ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'x' } }),
    ])
      expect(judge(entry, other, 'http').problems).not.toEqual([]);
  });

  it('names a field only as a field: at the start, after ": " or "; ", followed by ":", "." or "["', () => {
    expect(namesField('INVALID_INPUT: email: expected an email', 'email')).toBe(true);
    expect(namesField('x: a: bad; tags[1]: bad', 'tags')).toBe(true);
    expect(namesField('invalid arguments for update_order_status: order_id: x', 'status')).toBe(false);
    expect(namesField('no customer with email x', 'email')).toBe(false);
  });
});
