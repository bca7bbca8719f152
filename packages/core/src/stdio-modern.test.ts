import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { endSpawned } from './testing.ts';

const FIXTURE_BIN = fileURLToPath(new URL('./test-fixtures/fixture-bin.ts', import.meta.url));
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => endSpawned(children));

/** The fixture bin over stdio, with every message it wrote so far. */
function start() {
  const child = spawn(process.execPath, [FIXTURE_BIN], { env: { ...process.env, LOG_LEVEL: 'error' } });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const messages = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const answer = async (id: number) => {
    await expect.poll(() => messages().some((m) => m.id === id), { timeout: 10_000 }).toBe(true);
    return messages().find((m) => m.id === id);
  };
  return { child, send, messages, answer };
}

const request = (id: number, method: string, params: Record<string, unknown> = {}, meta: object = META) => ({
  jsonrpc: '2.0',
  id,
  method,
  params: { ...params, _meta: meta },
});

describe('the modern era over stdio', () => {
  it('answers a server/discover probe without pinning: an initialize after it opens a legacy connection', async () => {
    const { send, answer } = start();
    send(request(1, 'server/discover'));
    expect((await answer(1)).result).toMatchObject({
      resultType: 'complete',
      supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']),
    });
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    expect((await answer(2)).result.protocolVersion).toBe('2025-11-25');
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    expect((await answer(3)).result).toEqual({});
  });

  it('serves modern requests statelessly, with the modern errors', async () => {
    const { send, answer } = start();
    send(request(1, 'tools/call', { name: 'add', arguments: { a: 2, b: 2 } }));
    expect((await answer(1)).result).toMatchObject({ resultType: 'complete', structuredContent: { sum: 4 } });
    send(request(2, 'ping'));
    expect((await answer(2)).error.code).toBe(-32601);
    send(request(3, 'resources/read', { uri: 'fixture://missing' }));
    expect((await answer(3)).error.code).toBe(-32602);
    send(request(4, 'tools/list', {}, { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }));
    expect((await answer(4)).error).toMatchObject({ code: -32022, data: { requested: '2099-01-01' } });
    send(request(5, 'server/discover', {}, { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }));
    expect((await answer(5)).error.code).toBe(-32602);
  });

  it('sends log messages only to a request that asked for a level', async () => {
    const { send, answer, messages } = start();
    send(request(1, 'tools/call', { name: 'count_steps', arguments: { steps: 2 } }));
    await answer(1);
    expect(messages().filter((m) => m.method === 'notifications/message')).toEqual([]);
    send(
      request(
        2,
        'tools/call',
        { name: 'count_steps', arguments: { steps: 2 } },
        { ...META, 'io.modelcontextprotocol/logLevel': 'debug' },
      ),
    );
    await answer(2);
    expect(messages().filter((m) => m.method === 'notifications/message')).toHaveLength(2);
  });

  it('stops a request named by notifications/cancelled, and never answers it', async () => {
    const { send, answer, messages } = start();
    send(
      request(
        1,
        'tools/call',
        { name: 'count_steps', arguments: { steps: 20, interval_ms: 1000 } },
        { ...META, progressToken: 'p' },
      ),
    );
    // the first progress comes once the spawned bin is up: seconds on a loaded machine
    await expect
      .poll(() => messages().some((m) => m.method === 'notifications/progress'), { timeout: 10_000 })
      .toBe(true);
    send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'enough' } });
    // a later request is answered; the cancelled one never is, and its progress stopped
    send(request(2, 'tools/list'));
    await answer(2);
    const progressed = messages().filter((m) => m.method === 'notifications/progress').length;
    send(request(3, 'tools/call', { name: 'count_steps', arguments: { steps: 1, interval_ms: 1000 } }));
    await answer(3);
    expect(messages().some((m) => m.id === 1)).toBe(false);
    expect(messages().filter((m) => m.method === 'notifications/progress').length).toBe(progressed);
  });
});
