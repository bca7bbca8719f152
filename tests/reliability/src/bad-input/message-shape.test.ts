// Messages of hostile shape against each real bin (issue 17, class 1): a JSON-RPC message nested
// thousands of levels deep (it crashed every server over stdio with a RangeError, and gave -32700
// with the RangeError's text in a session), and one with hundreds of thousands of members (300,000
// unknown arguments gave a 7 MB error after seconds). Each is refused with a small error, and the
// server goes on answering.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { endSpawned, type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binCommand, type Deps, SERVERS, startDeps } from './servers.ts';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
/** A response to nothing, 10,000 levels deep, as raw JSON text (JSON.stringify would overflow building it). */
const deepResponse = `{"jsonrpc":"2.0","id":41,"result":{"x":${nested(10_000)}}}`;
const deepRequest = `{"jsonrpc":"2.0","id":42,"method":"tools/list","params":{"_meta":${JSON.stringify(META)},"x":${nested(10_000)}}}`;
const manyKeys = JSON.stringify({
  jsonrpc: '2.0',
  id: 43,
  method: 'tools/call',
  params: {
    name: 'no_such_tool',
    arguments: Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`k${i}`, i])),
    _meta: META,
  },
});
const tooManyForOneTool = (tool: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 44,
    method: 'tools/call',
    params: {
      name: tool,
      arguments: Object.fromEntries(Array.from({ length: 9_000 }, (_, i) => [`k${i}`, i])),
      _meta: META,
    },
  });
const FIRST_TOOL = {
  demo: 'generate_random_number',
  users: 'get_user',
  'customer-db': 'get_customer',
} as const;

let deps: Deps;
beforeAll(async () => {
  deps = await startDeps();
});
afterAll(async () => {
  await deps?.close();
});

describe.each(SERVERS)('the %s bin', (name) => {
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => endSpawned(children));

  it('over stdio refuses deep and huge messages with small errors, and keeps answering', async () => {
    const { command, args, env } = binCommand(name, deps, 'shape');
    const child = spawn(command, args, { env });
    children.push(child);
    child.stderr.resume();
    const lines: string[] = [];
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      text += chunk;
      const parts = text.split('\n');
      text = parts.pop() ?? '';
      lines.push(...parts);
    });
    const ordinary = JSON.stringify({
      jsonrpc: '2.0',
      id: 45,
      method: 'tools/list',
      params: { _meta: META },
    });
    const messages = [deepResponse, deepRequest, manyKeys, tooManyForOneTool(FIRST_TOOL[name]), ordinary];
    child.stdin.write(`${messages.join('\n')}\n`);
    await expect.poll(() => lines.length, { timeout: 60_000 }).toBe(5);
    const byId = new Map(lines.map((line) => [JSON.parse(line).id, { line, message: JSON.parse(line) }]));
    // the answer to a response to nothing has no id to give back
    expect(byId.get(undefined)?.message.error).toMatchObject({
      code: -32600,
      message: /nested deeper than 64 levels/,
    });
    expect(byId.get(42)?.message.error).toMatchObject({
      code: -32600,
      message: /nested deeper than 64 levels/,
    });
    expect(byId.get(43)?.message.error).toMatchObject({ code: -32600, message: /more than 10000 members/ });
    // within the bounds, 9,000 unknown arguments: an error naming 20 of them and counting the rest
    const many = byId.get(44)?.message.result;
    expect(many?.isError).toBe(true);
    expect(many?.content[0].text).toMatch(/unknown field; and \d+ more$/);
    for (const { line } of byId.values()) expect(line.length).toBeLessThan(20_000);
    expect(byId.get(45)?.message.result.tools.length).toBeGreaterThan(0);
    expect(child.exitCode).toBeNull();
  }, 90_000);

  describe.each([['stateless'], ['--stateful']])('over %s HTTP', (mode) => {
    let server: SpawnedHttp;
    beforeAll(async () => {
      const { command, args, env } = binCommand(name, deps, `shape-http-${mode}`);
      server = await spawnHttp(
        command,
        [...args, '--http', '--port', '0', ...(mode === 'stateless' ? [] : ['--stateful'])],
        // "listening" is logged at info
        { env: { ...env, LOG_LEVEL: 'info' } },
      );
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('answers 400 with a small error to a deep or huge body, and keeps answering', async () => {
      const post = (body: string) =>
        fetch(server.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/list',
          },
          body,
        });
      for (const [body, message, id] of [
        // a response has no id to answer with; a request is answered with its own
        [deepResponse, /nested deeper than 64 levels/, undefined],
        [deepRequest, /nested deeper than 64 levels/, 42],
        [manyKeys, /more than 10000 members/, 43],
      ] as const) {
        const response = await post(body);
        const text = await response.text();
        expect(response.status).toBe(400);
        expect(text.length).toBeLessThan(1_000);
        expect(JSON.parse(text).error).toMatchObject({ code: -32600, message });
        expect(JSON.parse(text).id).toBe(id);
      }
      const ordinary = await post(
        JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: { _meta: META } }),
      );
      expect(ordinary.status).toBe(200);
    }, 60_000);
  });
});
