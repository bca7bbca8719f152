import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

const FIXTURE_BIN = fileURLToPath(new URL('./test-fixtures/fixture-bin.ts', import.meta.url));

function start(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [FIXTURE_BIN], {
    env: { ...process.env, LOG_LEVEL: 'trace', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return { child, out: () => stdout, err: () => stderr };
}

const send = (child: ChildProcessWithoutNullStreams, message: unknown) =>
  child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);

const init = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('stdio server', () => {
  it('writes only JSON-RPC messages on stdout, even logging at trace and fed garbage', async () => {
    const { child, out, err } = start();
    send(child, init);
    send(child, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const requests: unknown[] = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'explode', arguments: {} } },
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'count_steps', arguments: { steps: 3 }, _meta: { progressToken: 4 } },
      },
      { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'fixture://info' } },
      { jsonrpc: '2.0', id: 6, method: 'no/such/method' },
      '{ not json',
      '[{"jsonrpc":"2.0","id":7,"method":"ping"}]',
      '"just a string"',
      { jsonrpc: '2.0', id: 8, method: 'ping' },
    ];
    for (const request of requests) send(child, request);
    await expect.poll(() => out().includes('"id":8'), { timeout: 30_000 }).toBe(true);
    child.stdin.end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);

    const lines = out()
      .split('\n')
      .filter((line) => line !== '');
    for (const line of lines) {
      expect(JSONRPCMessageSchema.safeParse(JSON.parse(line)).success, line).toBe(true);
    }
    const byId = new Map(
      lines
        .map((line) => JSON.parse(line))
        .filter((m) => 'id' in m)
        .map((m) => [m.id, m]),
    );
    expect(byId.get(2).result.structuredContent).toEqual({ sum: 3 });
    expect(byId.get(6).error.code).toBe(-32601);
    // three bad lines, three errors without an id (they had none that could be read)
    expect(
      lines
        .map((line) => JSON.parse(line))
        .filter((m) => m.error && !('id' in m))
        .map((m) => m.error.code),
    ).toEqual([-32700, -32600, -32600]);
    // the logs went to stderr
    expect(err()).toContain('"msg":"serving"');
    expect(err()).toContain('"msg":"internal error"');
  });

  it('exits 0 on SIGTERM, saying why on stderr', async () => {
    const { child, err } = start();
    send(child, init);
    await expect.poll(() => err().includes('"msg":"serving"'), { timeout: 30_000 }).toBe(true);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(err()).toContain('"reason":"SIGTERM"');
  });
});
