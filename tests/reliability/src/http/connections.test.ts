// Connections and sessions under a hostile client (issue 17, classes 3 and 4), against each
// server's real HTTP bin: caps on open connections in all and per address (503 with a JSON-RPC
// body, a log line, a metric), timeouts on headers, whole requests and idle keep-alive
// connections, a slow body ending after its 413 or 429, Node's own refusals (431, 400, 408) with
// JSON-RPC bodies, and legacy sessions capped per caller with a maximum lifetime. Every wait here
// is for an event (a socket closing, a line arriving); the test's timeout is the only clock.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cleanup,
  type RunningServer,
  runCleanups,
  SERVER_NAMES,
  type ServerName,
  startServer,
  startUsersUpstream,
  type UsersUpstream,
} from './servers.ts';

/** A raw TCP connection to the server and everything it sent back. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves once the server has closed the connection (or it was reset), with what it sent. */
  closed: Promise<string>;
  /** Resolves once `text` has arrived. */
  receivedText(text: string): Promise<string>;
}

async function open(origin: string): Promise<RawConnection> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  let data = '';
  const waiting: Array<{ text: string; resolve: (all: string) => void }> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
    for (const wait of waiting.splice(0)) {
      if (data.includes(wait.text)) wait.resolve(data);
      else waiting.push(wait);
    }
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(data));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => data,
    closed,
    receivedText: (text) =>
      data.includes(text) ? Promise.resolve(data) : new Promise((resolve) => waiting.push({ text, resolve })),
  };
}

/** Sends `bytes` one at a time, one every `everyMs`, until the connection closes. */
function trickle(connection: RawConnection, bytes: string, everyMs = 100): void {
  let i = 0;
  const timer = setInterval(() => {
    if (connection.socket.destroyed || !connection.socket.writable) return clearInterval(timer);
    connection.socket.write(bytes[i++ % bytes.length] as string);
  }, everyMs);
  connection.socket.once('close', () => clearInterval(timer));
}

/** The JSON-RPC error body of a raw HTTP response. */
function errorBody(response: string): { code: number; message: string } {
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return JSON.parse(body).error;
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'hostile', version: '1' } },
});

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
}

let users: UsersUpstream | undefined;
const shared: Cleanup[] = [];
beforeAll(async () => {
  users = await startUsersUpstream();
  shared.push(() => users?.stop());
}, 60_000);
afterAll(() => runCleanups(shared));

describe.each(SERVER_NAMES)('the %s bin', (name: ServerName) => {
  const cleanups: Cleanup[] = [];
  afterAll(() => runCleanups(cleanups));
  const start = (env: Record<string, string>) =>
    startServer(name, cleanups, { ...(users && { users }), env });
  const held: RawConnection[] = [];
  const release = () => {
    for (const connection of held.splice(0)) connection.socket.destroy();
  };

  it('refuses connections over the per-address cap with 503 and a JSON-RPC body, logs it once, counts it', async () => {
    const server: RunningServer = await start({ MCP_MAX_CONNECTIONS_PER_ADDRESS: '4' });
    try {
      for (let i = 0; i < 4; i++) held.push(await open(server.origin));
      const refused = await Promise.all([open(server.origin), open(server.origin)]);
      const answers = await Promise.all(refused.map((connection) => connection.closed));
      for (const answer of answers) {
        expect(answer).toMatch(/^HTTP\/1\.1 503 /);
        expect(answer).toMatch(/retry-after: 1/i);
        expect(errorBody(answer)).toMatchObject({
          code: -32000,
          message: expect.stringMatching(/too many open connections from your address \(4\)/),
        });
      }
      // one log line for the two refusals (at most one a minute)
      const logged = server
        .stderr()
        .split('\n')
        .filter((line) => line.includes('connection refused'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('MCP_MAX_CONNECTIONS_PER_ADDRESS');
      // a connection freed is a connection available again: the metrics say what was refused
      held.pop()?.socket.destroy();
      let metrics = '';
      await expect
        .poll(
          async () => {
            const response = await fetch(`${server.origin}/metrics`).catch(() => undefined);
            if (response?.status !== 200) return -1;
            metrics = await response.text();
            return metric(metrics, 'mcp_connections_refused_total', '{scope="address"}');
          },
          { timeout: 10_000 },
        )
        // the two, and any of these requests that came before the freed connection was seen
        .toBeGreaterThanOrEqual(2);
      // the three held, and the one the metrics came on
      expect(metric(metrics, 'mcp_connections_open')).toBe(4);
    } finally {
      release();
    }
  });

  it('refuses connections over the total cap, whatever their address', async () => {
    const server = await start({ MCP_MAX_CONNECTIONS: '3', MCP_MAX_CONNECTIONS_PER_ADDRESS: '0' });
    try {
      for (let i = 0; i < 3; i++) held.push(await open(server.origin));
      const answer = await (await open(server.origin)).closed;
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(errorBody(answer).message).toMatch(/too many open connections \(3\)/);
      expect(server.stderr()).toContain('MCP_MAX_CONNECTIONS)');
      release();
      await expect
        .poll(async () => (await post(server.url, PING).catch(() => undefined))?.status, { timeout: 10_000 })
        .toBe(200);
    } finally {
      release();
    }
  });

  describe('with short timeouts', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await start({
        MCP_HEADERS_TIMEOUT_MS: '1000',
        MCP_REQUEST_TIMEOUT_MS: '2000',
        MCP_KEEP_ALIVE_TIMEOUT_MS: '1000',
        MCP_RATE_LIMIT_RPS: '0.01',
        MCP_RATE_LIMIT_BURST: '1',
        MCP_MAX_BODY_BYTES: '65536',
      });
    }, 60_000);
    const host = () => new URL(server.url).host;

    it('ends a connection whose headers never finish with 408 and a JSON-RPC body', async () => {
      const connection = await open(server.origin);
      connection.socket.write(`POST /mcp HTTP/1.1\r\nHost: ${host()}\r\n`);
      trickle(connection, 'x-slow: aaaa');
      const answer = await connection.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(errorBody(answer)).toMatchObject({ code: -32000, message: 'request not received in time' });
    });

    it('answers a slow body with 429, then ends it when its time is up, with nothing more sent', async () => {
      // the burst of 1 is spent here; every call after it is refused
      await post(server.url, PING);
      const connection = await open(server.origin);
      connection.socket.write(
        `POST /mcp HTTP/1.1\r\nHost: ${host()}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 60000\r\n\r\n{"jsonrpc":`,
      );
      await connection.receivedText('\r\n\r\n');
      trickle(connection, ' ');
      const answer = await connection.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 429 /);
      expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
    });

    it('answers a slow oversized body with 413, then ends it', async () => {
      const connection = await open(server.origin);
      connection.socket.write(
        `POST /mcp HTTP/1.1\r\nHost: ${host()}\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{`,
      );
      trickle(connection, ' ');
      const answer = await connection.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 (413|429) /);
      expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
    });

    it('closes an idle kept-alive connection after its keep-alive timeout', async () => {
      const connection = await open(server.origin);
      connection.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
      const answer = await connection.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toMatch(/keep-alive: timeout=1/i);
    });

    it("answers Node's own refusals with JSON-RPC bodies: headers too large (431), a malformed request line (400)", async () => {
      const big = await open(server.origin);
      big.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host()}\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      const tooLarge = await big.closed;
      expect(tooLarge).toMatch(/^HTTP\/1\.1 431 /);
      expect(errorBody(tooLarge)).toMatchObject({ code: -32000, message: 'request headers too large' });

      const garbage = await open(server.origin);
      garbage.socket.write('HELLO THERE\r\n\r\n');
      const malformed = await garbage.closed;
      expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
      expect(errorBody(malformed).code).toBe(-32000);
    });
  });

  describe('legacy sessions (--stateful)', () => {
    const KEYS = { a: 'session-key-a-0123456789abcdef', b: 'session-key-b-0123456789abcdef' };
    let server: RunningServer;
    beforeAll(async () => {
      server = await start({
        MCP_STATEFUL: '1',
        MCP_API_KEYS: `a:${KEYS.a},b:${KEYS.b}`,
        MCP_MAX_SESSIONS_PER_CALLER: '3',
        MCP_SESSION_MAX_LIFETIME_MS: '2000',
        MCP_RATE_LIMIT_RPS: '0',
      });
    }, 60_000);
    const initialize = (key: string) => post(server.url, INITIALIZE, { authorization: `Bearer ${key}` });

    it('caps the sessions of one caller, not of the others, and frees a slot on DELETE', async () => {
      const opened = await Promise.all([initialize(KEYS.a), initialize(KEYS.a), initialize(KEYS.a)]);
      for (const response of opened) expect(response.status).toBe(200);
      const refused = await initialize(KEYS.a);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /too many open sessions for this caller \(3\)/,
      );
      // another caller is not held back by the first
      expect((await initialize(KEYS.b)).status).toBe(200);
      const sessionId = opened[0]?.headers.get('mcp-session-id') as string;
      const deleted = await fetch(server.url, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${KEYS.a}`,
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
      });
      expect(deleted.status).toBe(200);
      await expect.poll(async () => (await initialize(KEYS.a)).status, { timeout: 10_000 }).toBe(200);
      const metrics = await (
        await fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${KEYS.a}` } })
      ).text();
      expect(metric(metrics, 'mcp_sessions_refused_total', '{scope="caller"}')).toBeGreaterThanOrEqual(1);
    });

    it('ends a session at its maximum lifetime even while its stream is open', async () => {
      const opened = await initialize(KEYS.b);
      const sessionId = opened.headers.get('mcp-session-id') as string;
      const headers = {
        authorization: `Bearer ${KEYS.b}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      };
      await post(
        server.url,
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        headers,
      );
      // the server-to-client stream: open (in flight) until the session ends
      const stream = await fetch(server.url, { headers: { ...headers, accept: 'text/event-stream' } });
      expect(stream.status).toBe(200);
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      while (!(await reader.read().catch(() => ({ done: true }))).done) {}
      const after = await post(server.url, PING, headers);
      expect(after.status).toBe(404);
      expect(server.stderr()).toMatch(
        /"reason":"lifetime".*session closed|session closed.*"reason":"lifetime"/,
      );
    });
  });
});
