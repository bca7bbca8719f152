import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LATEST_PROTOCOL_VERSION,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTables } from '../dispatch.ts';
import { createLogger } from '../logger.ts';
import type { CallerIdentity } from '../server.ts';
import { createFixtureServer } from '../test-fixtures/fixture-server.ts';
import { createSessionManager, type SessionManager, type SessionManagerOptions } from './sessions.ts';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Harness {
  url: string;
  manager: SessionManager;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The test's stand-in for auth: `x-test-client: alice` authenticates as alice. */
function callerOf(req: IncomingMessage): CallerIdentity | undefined {
  const clientId = req.headers['x-test-client'];
  return typeof clientId === 'string' ? { clientId, scopes: ['things:write'] } : undefined;
}

async function start(options: Partial<SessionManagerOptions> = {}): Promise<Harness> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line) => logs.push(JSON.parse(line)) },
  });
  const manager = createSessionManager({
    tables: buildTables(createFixtureServer()),
    logger,
    idleMs: 60_000,
    maxSessions: 100,
    ...options,
  });
  const server = createServer((req, res) => void manager.handle(req, res, { caller: callerOf(req) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    manager,
    logs,
    close: async () => {
      await manager.closeAll();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connect(url: string, headers: Record<string, string> = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'sessions-test', version: '0.0.0' }, { capabilities: {} });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport, sessionId: transport.sessionId ?? '' };
}

const message = (id: number, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) });
const INITIALIZE = message(1, 'initialize', {
  protocolVersion: LATEST_PROTOCOL_VERSION,
  capabilities: {},
  clientInfo: { name: 'raw', version: '0.0.0' },
});

/** A raw request; an SSE answer is reduced to its last JSON-RPC message. */
async function raw(url: string, init: { method?: string; body?: string; headers?: Record<string, string> }) {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    ...init,
    headers: { ...HEADERS, ...init.headers },
  });
  const text = await response.text();
  const type = response.headers.get('content-type');
  const data = type?.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .at(-1)
        ?.slice(6)
    : text;
  return {
    status: response.status,
    type,
    headers: response.headers,
    json: () =>
      JSON.parse(data ?? '') as { error?: { code: number; message: string }; result?: any; id?: number },
  };
}

describe('stateful sessions over the SDK client', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await start();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('opens a session at initialize with a long random id and advertises subscriptions', async () => {
    const { client, sessionId } = await connect(harness.url);
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    expect(harness.manager.size).toBeGreaterThanOrEqual(1);
    expect(harness.logs).toContainEqual(expect.objectContaining({ msg: 'session opened', sessionId }));
  });

  it('calls tools, with progress', async () => {
    const { client } = await connect(harness.url);
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(result.structuredContent).toEqual({ sum: 42 });
    const progress: number[] = [];
    const counted = await client.callTool(
      { name: 'count_steps', arguments: { steps: 3, interval_ms: 5 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(counted.structuredContent).toEqual({ steps: 3, completed: true });
    expect(progress).toEqual([1, 2, 3]);
  });

  it('delivers resource updates of a subscription on the GET stream, until unsubscribed', async () => {
    const { client } = await connect(harness.url);
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await client.subscribeResource({ uri: 'fixture://info' });
    await expect.poll(() => updates.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(new Set(updates)).toEqual(new Set(['fixture://info']));
    await client.unsubscribeResource({ uri: 'fixture://info' });
    await delay(60);
    const seen = updates.length;
    await delay(200);
    expect(updates.length).toBe(seen);
  });

  it('keeps sessions apart: different ids, and no notifications of the other one', async () => {
    const a = await connect(harness.url);
    const b = await connect(harness.url);
    expect(a.sessionId).not.toBe(b.sessionId);
    const seen = { a: 0, b: 0 };
    a.client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void seen.a++);
    b.client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void seen.b++);
    await a.client.subscribeResource({ uri: 'fixture://info' });
    await expect.poll(() => seen.a, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    expect(seen.b).toBe(0);
  });

  it('ends a session on DELETE; its id then gets 404', async () => {
    const { transport, sessionId } = await connect(harness.url);
    const before = harness.manager.size;
    await transport.terminateSession();
    expect(harness.manager.size).toBe(before - 1);
    const after = await raw(harness.url, {
      body: message(2, 'ping'),
      headers: { 'mcp-session-id': sessionId },
    });
    expect(after.status).toBe(404);
    expect(after.type).toBe('application/json');
    expect(after.json().error).toEqual({
      code: -32001,
      message: 'session not found: start a new one with initialize',
    });
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ msg: 'session closed', sessionId, reason: 'deleted' }),
    );
  });
});

describe('requests that cannot be served get JSON-RPC errors', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await start();
  });
  afterAll(async () => {
    await harness.close();
  });

  it.each([
    ['an unknown session id', { body: message(3, 'ping'), headers: { 'mcp-session-id': 'nope' } }, 404, 3],
    [
      'a DELETE of an unknown session',
      { method: 'DELETE', headers: { 'mcp-session-id': 'nope' } },
      404,
      undefined,
    ],
    ['a request without a session id', { body: message(4, 'tools/list') }, 400, 4],
    ['a GET without a session id', { method: 'GET' }, 400, undefined],
    ['a batch', { body: `[${INITIALIZE}]` }, 400, undefined],
    ['malformed JSON', { body: '{"jsonrpc":' }, 400, undefined],
    ['PUT', { method: 'PUT', body: '{}' }, 405, undefined],
  ])('%s', async (_name, init, status, id) => {
    const response = await raw(harness.url, init);
    expect(response.status).toBe(status);
    expect(response.type).toBe('application/json');
    const body = response.json();
    expect(body.error?.message).toEqual(expect.any(String));
    expect(body.id).toBe(id);
    if (status === 405) expect(response.headers.get('allow')).toBe('GET, POST, DELETE');
  });
});

describe('limits and lifetimes', () => {
  it('refuses an initialize beyond maxSessions with 503 and Retry-After', async () => {
    const harness = await start({ maxSessions: 2 });
    cleanups.push(() => harness.close());
    const first = await connect(harness.url);
    await connect(harness.url);
    const refused = await raw(harness.url, { body: INITIALIZE });
    expect(refused.status).toBe(503);
    expect(refused.type).toBe('application/json');
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.json()).toMatchObject({
      id: 1,
      error: { message: 'too many open sessions (2): try again later' },
    });
    await first.transport.terminateSession();
    expect((await raw(harness.url, { body: INITIALIZE })).status).toBe(200);
  });

  it('caps the sessions of one caller with 429: by identity, or by address when anonymous', async () => {
    const refusals: string[] = [];
    const harness = await start({ maxSessionsPerCaller: 2, onRefused: (scope) => refusals.push(scope) });
    cleanups.push(() => harness.close());
    const alice = { 'x-test-client': 'alice' };
    const first = await connect(harness.url, alice);
    await connect(harness.url, alice);
    const refused = await raw(harness.url, { body: INITIALIZE, headers: alice });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.json().error?.message).toBe(
      'too many open sessions for this caller (2): end one with DELETE, or reuse it',
    );
    // anonymous callers count by address: this one is still free, and then full too
    await connect(harness.url);
    await connect(harness.url);
    expect((await raw(harness.url, { body: INITIALIZE })).status).toBe(429);
    expect(refusals).toEqual(['caller', 'caller']);
    await first.transport.terminateSession();
    expect((await raw(harness.url, { body: INITIALIZE, headers: alice })).status).toBe(200);
  });

  it('ends a session at its maximum lifetime, even with a request in flight', async () => {
    let time = 0;
    const harness = await start({
      maxLifetimeMs: 10_000,
      idleMs: 60_000,
      now: () => time,
      sweepIntervalMs: 20,
    });
    cleanups.push(() => harness.close());
    const opened = await raw(harness.url, { body: INITIALIZE });
    const sessionId = opened.headers.get('mcp-session-id') as string;
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    // the server-to-client stream stays open: in flight, so never idle
    const stream = await fetch(harness.url, { headers: { ...headers, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    time = 10_000;
    await stream.text(); // ends when the session does
    expect((await raw(harness.url, { body: message(2, 'ping'), headers })).status).toBe(404);
    expect(harness.logs.some((line) => line.msg === 'session closed' && line.reason === 'lifetime')).toBe(
      true,
    );
  });

  it('closes a session idle for idleMs; its id then gets 404', async () => {
    const harness = await start({ idleMs: 200, sweepIntervalMs: 20 });
    cleanups.push(() => harness.close());
    const { client, sessionId } = await connect(harness.url);
    await client.close(); // a client that goes away without DELETE (its GET stream closes)
    await expect.poll(() => harness.manager.size, { timeout: 30_000 }).toBe(0);
    const after = await raw(harness.url, {
      body: message(2, 'ping'),
      headers: { 'mcp-session-id': sessionId },
    });
    expect(after.status).toBe(404);
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ msg: 'session closed', sessionId, reason: 'idle' }),
    );
  });

  it('never closes a session as idle while one of its requests is in flight', async () => {
    const harness = await start({ idleMs: 150, sweepIntervalMs: 20 });
    cleanups.push(() => harness.close());
    const opened = await raw(harness.url, { body: INITIALIZE });
    const sessionId = opened.headers.get('mcp-session-id') ?? '';
    const slow = await raw(harness.url, {
      body: message(2, 'tools/call', { name: 'count_steps', arguments: { steps: 4, interval_ms: 100 } }),
      headers: { 'mcp-session-id': sessionId },
    });
    expect(slow.status).toBe(200);
    expect(slow.json().result.structuredContent).toEqual({ steps: 4, completed: true });
    expect(harness.manager.size).toBe(1);
    await expect.poll(() => harness.manager.size, { timeout: 30_000 }).toBe(0);
  });

  it('binds the caller at initialize: another caller on that session gets 404', async () => {
    const harness = await start();
    cleanups.push(() => harness.close());
    const opened = await raw(harness.url, { body: INITIALIZE, headers: { 'x-test-client': 'alice' } });
    const sessionId = opened.headers.get('mcp-session-id') ?? '';
    const write = message(2, 'tools/call', { name: 'write_thing', arguments: { name: 'x' } });
    const as = (client?: string) =>
      raw(harness.url, {
        body: write,
        headers: { 'mcp-session-id': sessionId, ...(client !== undefined && { 'x-test-client': client }) },
      });
    const alice = await as('alice');
    expect(alice.status).toBe(200);
    // the caller reaches the handler (write_thing needs the things:write scope)
    expect(alice.json().result).toMatchObject({ content: [{ type: 'text', text: 'wrote x' }] });
    expect((await as('mallory')).status).toBe(404);
    expect((await as(undefined)).status).toBe(404);
    expect(harness.manager.size).toBe(1);
  });

  it('closes every session at shutdown and refuses new ones', async () => {
    const harness = await start();
    cleanups.push(() => harness.close());
    await connect(harness.url);
    await connect(harness.url);
    expect(harness.manager.size).toBe(2);
    await harness.manager.closeAll();
    expect(harness.manager.size).toBe(0);
    expect(harness.logs.filter((line) => line.reason === 'shutdown')).toHaveLength(2);
    expect((await raw(harness.url, { body: INITIALIZE })).status).toBe(503);
  });
});
