// Requests whose params the SDK's schemas refuse, and the other hostile params core must answer
// itself: stdio and stateful sessions (the SDK server) must answer exactly what the stateless fast
// path answers, -32602 naming the member, never -32603 with a zod dump.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from './logger.ts';
import { type RunningStdio, runStdio } from './stdio.ts';
import { createFixtureServer } from './test-fixtures/fixture-server.ts';
import { serveForTest } from './testing.ts';

interface RpcAnswer {
  id?: string | number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

const PROTOCOL = '2025-11-25';
const INIT_PARAMS = {
  protocolVersion: PROTOCOL,
  capabilities: {},
  clientInfo: { name: 'raw', version: '1' },
};
const LONG_URI = `fixture://items/${'u'.repeat(1_000_001)}`;

/** Each request, with the member its -32602 must name. */
const BAD_PARAMS: Array<[string, string, Record<string, unknown>, string]> = [
  ['arguments is an array', 'tools/call', { name: 'add', arguments: [1, 2] }, 'arguments'],
  ['arguments is a string', 'tools/call', { name: 'add', arguments: '{}' }, 'arguments'],
  ['arguments is a number', 'tools/call', { name: 'add', arguments: 1 }, 'arguments'],
  ['arguments is null', 'tools/call', { name: 'add', arguments: null }, 'arguments'],
  ['no tool name', 'tools/call', { arguments: {} }, 'name'],
  ['tool name is a number', 'tools/call', { name: 42, arguments: {} }, 'name'],
  ['an unknown log level', 'logging/setLevel', { level: 'verbose' }, 'level'],
  ['no log level', 'logging/setLevel', {}, 'level'],
  ['a numeric cursor', 'tools/list', { cursor: 42 }, 'cursor'],
  ['a numeric resources cursor', 'resources/list', { cursor: 42 }, 'cursor'],
  [
    'a prompt argument that is not a string',
    'prompts/get',
    { name: 'greet', arguments: { name: 42 } },
    'name',
  ],
  [
    'an unknown completion ref',
    'completion/complete',
    { ref: { type: 'ref/bogus', name: 'x' }, argument: { name: 'a', value: 'b' } },
    'ref',
  ],
  ['a numeric resource uri', 'resources/read', { uri: 42 }, 'uri'],
];

/** Requests the SDK's schemas accept but core must still answer with a clear error. */
const CORE_ERRORS: Array<[string, string, Record<string, unknown>, number, string]> = [
  ['a URI over 1,000,000 characters', 'resources/read', { uri: LONG_URI }, -32002, '1000000'],
  [
    'completion of a template named by a 1 MB URI',
    'completion/complete',
    { ref: { type: 'ref/resource', uri: LONG_URI }, argument: { name: 'name', value: 'a' } },
    -32602,
    'fixture://items/uuu',
  ],
];

/** core's stdio server in this process, fed lines; answers matched to requests by id. */
class StdioPeer {
  readonly input = new PassThrough();
  readonly output = new PassThrough();
  readonly #answers = new Map<string | number, RpcAnswer>();
  readonly #waiting = new Map<string | number, (answer: RpcAnswer) => void>();
  #partial = '';
  running!: RunningStdio;

  async start() {
    this.output.setEncoding('utf8');
    this.output.on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const answer = JSON.parse(line) as RpcAnswer;
        if (answer.id === undefined) continue;
        this.#answers.set(answer.id, answer);
        this.#waiting.get(answer.id)?.(answer);
      }
    });
    this.running = await runStdio(createFixtureServer(), {
      logger: silentLogger(),
      input: this.input,
      output: this.output,
      handleSignals: false,
    });
  }

  request(id: string | number, method: string, params: unknown): Promise<RpcAnswer> {
    this.input.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} ${id} over stdio`)), 10_000);
      this.#waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      const early = this.#answers.get(id);
      if (early) this.#waiting.get(id)?.(early);
    });
  }
}

/** The JSON-RPC answer of a POST, whether sent as JSON or as SSE. */
async function answerOf(response: Response): Promise<RpcAnswer> {
  const text = await response.text();
  if (text.startsWith('{')) return JSON.parse(text) as RpcAnswer;
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)) as RpcAnswer);
  const answer = data.find((message) => 'result' in message || 'error' in message);
  if (!answer) throw new Error(`no JSON-RPC answer in ${text.slice(0, 300)}`);
  return answer;
}

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': PROTOCOL,
};

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) });

let stateless: Awaited<ReturnType<typeof serveForTest>>;
let stateful: Awaited<ReturnType<typeof serveForTest>>;
let sessionId: string;
const stdio = new StdioPeer();

beforeAll(async () => {
  stateless = await serveForTest(createFixtureServer());
  stateful = await serveForTest(createFixtureServer(), { stateful: { idleMs: 60_000 } });
  const opened = await post(stateful.url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: INIT_PARAMS,
  });
  expect((await answerOf(opened)).result).toBeDefined();
  sessionId = opened.headers.get('mcp-session-id') as string;
  expect(sessionId).toBeTruthy();
  await post(
    stateful.url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': sessionId },
  );
  await stdio.start();
  expect((await stdio.request('init', 'initialize', INIT_PARAMS)).result).toBeDefined();
  stdio.input.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
});

afterAll(async () => {
  stdio.input.end();
  await stdio.running?.close();
  await stateless?.close();
  await stateful?.close();
});

let ids = 0;
async function overEveryTransport(method: string, params: unknown) {
  const id = ++ids;
  const body = { jsonrpc: '2.0', id, method, params };
  return {
    stateless: await answerOf(await post(stateless.url, body)),
    stateful: await answerOf(await post(stateful.url, body, { 'mcp-session-id': sessionId })),
    stdio: await stdio.request(id, method, params),
  };
}

describe('params the SDK refuses get the same -32602 over stdio, sessions and stateless HTTP', () => {
  it.each(BAD_PARAMS)('%s (%s)', async (_label, method, params, member) => {
    const answers = await overEveryTransport(method, params);
    expect(answers.stateless.error?.code).toBe(-32602);
    expect(answers.stateless.error?.message).toMatch(
      new RegExp(`^invalid params for ${method}: .*\\b${member}\\b`),
    );
    expect(answers.stdio).toEqual(answers.stateless);
    expect(answers.stateful).toEqual(answers.stateless);
  });

  it('answers initialize without params with -32602 naming each missing member, as stateless HTTP does', async () => {
    // a session's initialize is the session manager's (no session yet, or already initialized): stdio only
    const fromHttp = await answerOf(
      await post(stateless.url, { jsonrpc: '2.0', id: 'i', method: 'initialize', params: {} }),
    );
    const fromStdio = await stdio.request('i', 'initialize', {});
    expect(fromHttp.error?.code).toBe(-32602);
    for (const member of ['protocolVersion', 'capabilities', 'clientInfo'])
      expect(fromHttp.error?.message).toContain(member);
    expect(fromStdio).toEqual(fromHttp);
    // and a good initialize still works after it
    expect((await stdio.request('i2', 'initialize', INIT_PARAMS)).result).toMatchObject({
      protocolVersion: PROTOCOL,
    });
  });

  it('refuses a subscription to a URI that is not a string, naming uri', async () => {
    for (const answer of [
      await stdio.request('s', 'resources/subscribe', { uri: 42 }),
      await answerOf(
        await post(
          stateful.url,
          { jsonrpc: '2.0', id: 's', method: 'resources/subscribe', params: { uri: 42 } },
          { 'mcp-session-id': sessionId },
        ),
      ),
    ]) {
      expect(answer.error?.code).toBe(-32602);
      expect(answer.error?.message).toMatch(/^invalid params for resources\/subscribe: params\.uri: /);
    }
  });
});

describe('params the SDK accepts but no resource can match', () => {
  it.each(CORE_ERRORS)('%s (%s)', async (_label, method, params, code, shown) => {
    const answers = await overEveryTransport(method, params);
    expect(answers.stateless.error?.code).toBe(code);
    expect(answers.stateless.error?.message).toContain(shown);
    expect(answers.stateless.error?.message).not.toMatch(/INTERNAL|exceeds maximum/);
    expect(answers.stdio).toEqual(answers.stateless);
    expect(answers.stateful).toEqual(answers.stateless);
  });

  it('says how long the URI was and what the limit is, without echoing a megabyte', async () => {
    const { stateless: answer } = await overEveryTransport('resources/read', { uri: LONG_URI });
    expect(answer.error?.message).toContain(`${LONG_URI.length} characters; a URI is at most 1000000`);
    expect(JSON.stringify(answer).length).toBeLessThan(1_000);
  });

  it('still matches a URI of exactly 1,000,000 characters against the templates', async () => {
    const atLimit = `fixture://items/${'a'.repeat(1_000_000 - 'fixture://items/'.length)}`;
    const answers = await overEveryTransport('resources/read', { uri: atLimit });
    // no item has that name: the template's own NOT_FOUND, not the length refusal
    expect(answers.stateless.error?.code).toBe(-32002);
    expect(answers.stateless.error?.message).not.toContain('at most');
    expect(answers.stdio).toEqual(answers.stateless);
  });
});

describe('an undeclared __proto__ argument', () => {
  const pollution = JSON.parse('{"a":1,"b":2,"__proto__":{"polluted":"yes"}}') as Record<string, unknown>;

  it('is refused as an unknown field on every transport, like constructor is, and pollutes nothing', async () => {
    const refusals = [];
    for (const key of ['__proto__', 'constructor']) {
      const args = key === '__proto__' ? pollution : { a: 1, b: 2, constructor: { polluted: 'yes' } };
      const answers = await overEveryTransport('tools/call', { name: 'add', arguments: args });
      for (const answer of [answers.stdio, answers.stateful, answers.stateless]) {
        expect(answer.result?.isError).toBe(true);
        refusals.push(JSON.stringify(answer.result?.content));
      }
    }
    expect(refusals).toEqual([
      ...Array(3).fill(
        JSON.stringify([
          { type: 'text', text: 'INVALID_INPUT: invalid arguments for add: __proto__: unknown field' },
        ]),
      ),
      ...Array(3).fill(
        JSON.stringify([
          { type: 'text', text: 'INVALID_INPUT: invalid arguments for add: constructor: unknown field' },
        ]),
      ),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('is refused in prompt arguments too, as an invalid param', async () => {
    const args = JSON.parse('{"name":"Ann","__proto__":"x"}') as Record<string, unknown>;
    const answer = await stdio.request('p', 'prompts/get', { name: 'greet', arguments: args });
    expect(answer.error).toEqual({
      code: -32602,
      message: 'INVALID_INPUT: invalid arguments for prompt greet: __proto__: unknown field',
    });
  });
});
