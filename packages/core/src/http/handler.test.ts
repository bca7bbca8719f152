import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.ts';
import { defineServer } from '../server.ts';
import { createFixtureServer } from '../test-fixtures/fixture-server.ts';
import { serveForTest } from '../testing.ts';
import { createMcpHttpHandler } from './handler.ts';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let served: Awaited<ReturnType<typeof serveForTest>>;
beforeAll(async () => {
  served = await serveForTest(createFixtureServer(), { maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await served.close();
});

async function post(body: string, headers: Record<string, string> = JSON_HEADERS) {
  const response = await fetch(served.url, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text,
    json: () => JSON.parse(text),
  };
}

const call = (id: number, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) });

/** The server still answers properly after whatever came before. */
async function expectHealthy() {
  const ok = await post(call(99, 'tools/call', { name: 'add', arguments: { a: 1, b: 1 } }));
  expect(ok.status).toBe(200);
  expect(ok.json().result.structuredContent).toEqual({ sum: 2 });
}

describe('stateless HTTP: bad messages get JSON-RPC errors, never HTML or stacks', () => {
  it.each([
    ['malformed JSON', '{"jsonrpc": "2.0", "id": 1, "method": ', 400, -32700, null],
    ['a JSON string', '"hello"', 400, -32600, null],
    ['a number', '42', 400, -32600, null],
    ['null', 'null', 400, -32600, null],
    ['a batch', `[${call(1, 'ping')}, ${call(2, 'ping')}]`, 400, -32600, null],
    ['no jsonrpc version', '{"id": 5, "method": "ping"}', 400, -32600, 5],
    ['an unknown method', call(6, 'tools/destroy'), 200, -32601, 6],
    ['an unknown tool', call(7, 'tools/call', { name: 'nope', arguments: {} }), 200, -32602, 7],
    ['tools/call without a name', call(8, 'tools/call', { arguments: {} }), 200, -32602, 8],
    ['an unknown resource', call(9, 'resources/read', { uri: 'fixture://missing' }), 200, -32002, 9],
  ])('%s', async (_name, body, status, code, id) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(response.type).toBe('application/json');
    const message = response.json();
    expect(message).toMatchObject({ jsonrpc: '2.0', error: { code } });
    // an id that cannot be read is left out (MCP allows no id, not a null one)
    expect(message.id).toBe(id ?? undefined);
    expect(typeof message.error.message).toBe('string');
    expect(response.text).not.toMatch(/<html|at \w+ \(|node:internal/i);
    await expectHealthy();
  });

  it('accepts a notification with 202 and no body', async () => {
    const response = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    expect(response.status).toBe(202);
    expect(response.text).toBe('');
  });

  it('answers GET and DELETE with 405 and Allow: POST', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(served.url, { method, headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(((await response.json()) as any).error.code).toBe(-32600);
    }
  });

  it('refuses a body over the limit with 413, with and without Content-Length', async () => {
    const big = call(1, 'tools/call', { name: 'add', arguments: { a: 1, b: 2, pad: 'x'.repeat(70 * 1024) } });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(declared.json().error.message).toContain('larger than 65536 bytes');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(served.url, { method: 'POST', headers: JSON_HEADERS }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // no Content-Length: the body arrives in chunks
      for (let i = 0; i < 80; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(chunked).toBe(413);
    await expectHealthy();
  });

  it('lets a client still uploading an oversized body finish, read its 413, and reuse the connection', async () => {
    const { port } = new URL(served.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    const errors: Error[] = [];
    socket.on('error', (error) => errors.push(error));
    const size = 1024 * 1024; // 16 times the limit
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nContent-Length: ${size}\r\n\r\n`,
    );
    const chunk = 'x'.repeat(64 * 1024);
    socket.write(chunk.repeat(2));
    // the 413 arrives while most of the body is still to be sent
    await vi.waitFor(() => expect(received).toMatch(/^HTTP\/1\.1 413 /), { timeout: 30_000 });
    for (let sent = 2 * chunk.length; sent < size; sent += chunk.length) {
      if (!socket.write(chunk)) await once(socket, 'drain');
      await setTimeout(1);
    }
    // the same connection then carries the next call
    const next = call(5, 'tools/call', { name: 'add', arguments: { a: 2, b: 3 } });
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nContent-Length: ${next.length}\r\n\r\n${next}`,
    );
    await vi.waitFor(() => expect(received).toContain('"sum":5'), { timeout: 30_000 });
    expect(errors).toEqual([]);
    socket.destroy();
  });
});

describe('stateless HTTP: answers', () => {
  it('initializes without a session id', async () => {
    const response = await fetch(served.url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: call(1, 'initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      }),
    });
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const { result } = (await response.json()) as any;
    // the client's supported version is echoed; an unknown one gets the latest
    expect(result.protocolVersion).toBe('2025-06-18');
    const unknown = await post(
      call(2, 'initialize', {
        protocolVersion: '1999-01-01',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      }),
    );
    expect(unknown.json().result.protocolVersion).toBe('2025-11-25');
  });

  it('streams progress as SSE before the result when the client accepts it', async () => {
    const response = await post(
      call(3, 'tools/call', { name: 'count_steps', arguments: { steps: 2 }, _meta: { progressToken: 'p1' } }),
    );
    expect(response.type).toBe('text/event-stream');
    const events = response.text
      .split('\n\n')
      .filter(Boolean)
      .map((block) => JSON.parse(block.replace(/^event: message\ndata: /, '')));
    // each step: progress, then the tool's log message (info: the default level), then the result
    expect(events.map((e) => e.method ?? 'result')).toEqual([
      'notifications/progress',
      'notifications/message',
      'notifications/progress',
      'notifications/message',
      'result',
    ]);
    expect(events[0].params).toMatchObject({ progressToken: 'p1', progress: 1, total: 2 });
    expect(events[1].params).toEqual({ level: 'info', logger: 'server', data: { step: 1 } });
    expect(events[4]).toMatchObject({ id: 3, result: { structuredContent: { steps: 2, completed: true } } });
  });

  it('answers plain JSON, without notifications, to a client that accepts only JSON', async () => {
    const response = await post(
      call(4, 'tools/call', { name: 'count_steps', arguments: { steps: 2 }, _meta: { progressToken: 'p2' } }),
      { 'content-type': 'application/json', accept: 'application/json' },
    );
    expect(response.type).toBe('application/json');
    expect(response.json().result.structuredContent).toEqual({ steps: 2, completed: true });
  });

  it('serves /healthz, /readyz with each check, and a JSON 404 elsewhere', async () => {
    const health = await fetch(`${served.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${served.origin}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { always: 'ok' } });
    const missing = await fetch(`${served.origin}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('NOT_FOUND');
  });

  it('reports 503 on /readyz while a check fails, naming it', async () => {
    const failing = defineServer({
      name: 'not-ready',
      version: '0.0.0',
      readiness: {
        database: () => Promise.reject(new Error('database file is locked')),
        cache: () => undefined,
      },
    });
    const server = await serveForTest(failing);
    try {
      const response = await fetch(`${server.origin}/readyz`);
      expect(response.status).toBe(503);
      expect((await response.json()) as any).toEqual({
        status: 'not ready',
        checks: { database: 'database file is locked', cache: 'ok' },
      });
    } finally {
      await server.close();
    }
  });
});

describe('mounting the handler in an existing app', () => {
  async function listen(app: Parameters<typeof createServer>[1]) {
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('works under express, with or without express.json() before it', async () => {
    const handler = createMcpHttpHandler(createFixtureServer(), { logger: silentLogger() });
    const app = express();
    app.post('/raw/mcp', handler);
    app.post('/parsed/mcp', express.json(), handler);
    const { server, url } = await listen(app);
    try {
      for (const path of ['/raw/mcp', '/parsed/mcp']) {
        const response = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: call(1, 'tools/call', { name: 'add', arguments: { a: 20, b: 22 } }),
        });
        expect(((await response.json()) as any).result.structuredContent).toEqual({ sum: 42 });
      }
    } finally {
      server.close();
    }
  });

  it('works as a plain node:http handler', async () => {
    const { server, url } = await listen(
      createMcpHttpHandler(createFixtureServer(), { logger: silentLogger() }),
    );
    try {
      const response = await fetch(url, { method: 'POST', headers: JSON_HEADERS, body: call(1, 'ping') });
      expect((await response.json()) as any).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    } finally {
      server.close();
    }
  });
});
