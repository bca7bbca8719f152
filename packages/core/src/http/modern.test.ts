import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyAuthenticator } from '../auth.ts';
import { defineServer, defineTool } from '../server.ts';
import { createFixtureServer } from '../test-fixtures/fixture-server.ts';
import { postModern as modern, serveForTest } from '../testing.ts';

const VERSION = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
};

describe('the modern era over stateless HTTP', () => {
  let url: string;
  let close: () => Promise<boolean>;
  beforeAll(async () => {
    ({ url, close } = await serveForTest(createFixtureServer()));
  });
  afterAll(async () => {
    await close();
  });

  it('answers server/discover with both eras, capabilities, identity and cache hints', async () => {
    const { status, json } = await modern(url, 'server/discover');
    expect(status).toBe(200);
    expect(json.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: expect.arrayContaining([VERSION, '2025-11-25']),
      // the fixture's watched resource is delivered on subscriptions/listen
      capabilities: { tools: {}, resources: { subscribe: true }, prompts: {} },
      instructions: expect.any(String),
      ttlMs: expect.any(Number),
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'fixture', version: '1.2.3' } },
    });
  });

  it('puts resultType and serverInfo on every result, cache hints on lists and reads only', async () => {
    const list = (await modern(url, 'tools/list')).json.result;
    expect(list).toMatchObject({ resultType: 'complete', ttlMs: 300_000, cacheScope: 'public' });
    const read = (await modern(url, 'resources/read', { uri: 'fixture://info' })).json.result;
    expect(read).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'public' });
    const call = (await modern(url, 'tools/call', { name: 'add', arguments: { a: 2, b: 3 } })).json.result;
    expect(call).toMatchObject({ resultType: 'complete', structuredContent: { sum: 5 } });
    expect(call).not.toHaveProperty('ttlMs');
    expect(call._meta['io.modelcontextprotocol/serverInfo'].name).toBe('fixture');
  });

  it.each([
    ['no _meta', { meta: null }, 400, -32602],
    [
      'no protocol version in _meta',
      { meta: { 'io.modelcontextprotocol/clientCapabilities': {} } },
      400,
      -32602,
    ],
    ['no client capabilities', { meta: { 'io.modelcontextprotocol/protocolVersion': VERSION } }, 400, -32602],
    ['an unknown log level', { meta: { ...META, 'io.modelcontextprotocol/logLevel': 'loud' } }, 400, -32602],
    ['a _meta that is a string', { meta: 'modern' }, 400, -32602],
    [
      'a version that is a number',
      { meta: { ...META, 'io.modelcontextprotocol/protocolVersion': 20260728 } },
      400,
      -32602,
    ],
    [
      'capabilities that are null',
      { meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': null } },
      400,
      -32602,
    ],
    ['a version header unlike _meta', { headers: { 'mcp-protocol-version': '2025-11-25' } }, 400, -32020],
    ['no MCP-Protocol-Version header', { headers: { 'mcp-protocol-version': null } }, 400, -32020],
    ['no Mcp-Method header', { headers: { 'mcp-method': null } }, 400, -32020],
    ['an Mcp-Method unlike the body', { headers: { 'mcp-method': 'tools/list' } }, 400, -32020],
    ['no Mcp-Name header', { headers: { 'mcp-name': null } }, 400, -32020],
    ['an Mcp-Name unlike the body', { headers: { 'mcp-name': 'explode' } }, 400, -32020],
    ['a bad base64 Mcp-Name', { headers: { 'mcp-name': '=?base64?not base64!?=' } }, 400, -32020],
  ])('refuses %s, echoing the request id', async (_name, options, status, code) => {
    const { status: got, json } = await modern(
      url,
      'tools/call',
      { name: 'add', arguments: { a: 1, b: 1 } },
      { ...options, id: 41 },
    );
    expect({ status: got, code: json.error?.code, id: json.id }).toEqual({ status, code, id: 41 });
  });

  it('accepts an Mcp-Name in its base64 form', async () => {
    const encoded = `=?base64?${Buffer.from('add').toString('base64')}?=`;
    const { status, json } = await modern(
      url,
      'tools/call',
      { name: 'add', arguments: { a: 1, b: 1 } },
      { headers: { 'mcp-name': encoded } },
    );
    expect(status).toBe(200);
    expect(json.result.structuredContent).toEqual({ sum: 2 });
  });

  it('answers an unsupported version with -32022 naming the supported and the requested', async () => {
    const { status, json } = await modern(
      url,
      'server/discover',
      {},
      {
        headers: { 'mcp-protocol-version': '2099-01-01' },
        meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
        id: 7,
      },
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({
      id: 7,
      error: { code: -32022, data: { supported: [VERSION], requested: '2099-01-01' } },
    });
  });

  it.each([
    'initialize',
    'ping',
    'logging/setLevel',
    'resources/subscribe',
    'resources/unsubscribe',
    'no/such',
  ])('answers %s with 404 and -32601', async (method) => {
    const { status, json } = await modern(url, method, {}, { id: 9 });
    expect({ status, code: json.error?.code, id: json.id }).toEqual({ status: 404, code: -32601, id: 9 });
  });

  it('reports a missing resource as -32602, in the body of a 200', async () => {
    const { status, json } = await modern(url, 'resources/read', { uri: 'fixture://missing' });
    expect(status).toBe(200);
    expect(json.error.code).toBe(-32602);
  });

  it('sends log messages only when the request asks for a level, progress when it has a token', async () => {
    const args = { name: 'count_steps', arguments: { steps: 2 } };
    const quiet = await modern(url, 'tools/call', { ...args });
    expect(quiet.messages.filter((m) => m.method === 'notifications/message')).toEqual([]);
    const loud = await modern(
      url,
      'tools/call',
      { ...args },
      { meta: { ...META, progressToken: 'p', 'io.modelcontextprotocol/logLevel': 'info' } },
    );
    expect(loud.messages.map((m) => m.method ?? 'result')).toEqual([
      'notifications/progress',
      'notifications/message',
      'notifications/progress',
      'notifications/message',
      'result',
    ]);
    const above = await modern(
      url,
      'tools/call',
      { ...args },
      { meta: { ...META, 'io.modelcontextprotocol/logLevel': 'error' } },
    );
    expect(above.messages.filter((m) => m.method === 'notifications/message')).toEqual([]);
  });

  it('answers GET and DELETE of a modern client with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(url, { method, headers: { 'mcp-protocol-version': VERSION } });
      expect(response.status).toBe(405);
      await response.body?.cancel();
    }
  });
});

describe('the modern era beside legacy sessions (--stateful)', () => {
  let url: string;
  let close: () => Promise<boolean>;
  beforeAll(async () => {
    ({ url, close } = await serveForTest(createFixtureServer(), { stateful: {} }));
  });
  afterAll(async () => {
    await close();
  });

  it('answers modern requests statelessly, ignoring Mcp-Session-Id, and GET with 405', async () => {
    const { status, json } = await modern(
      url,
      'tools/call',
      { name: 'add', arguments: { a: 4, b: 4 } },
      { headers: { 'mcp-session-id': 'no-such-session' } },
    );
    expect(status).toBe(200);
    expect(json.result.structuredContent).toEqual({ sum: 8 });
    const get = await fetch(url, { headers: { 'mcp-protocol-version': VERSION } });
    expect(get.status).toBe(405);
    await get.body?.cancel();
  });

  it('still opens a legacy session on initialize', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toEqual(expect.any(String));
    await response.body?.cancel();
  });
});

describe('cache scope with auth on', () => {
  it('is private: an answer behind auth may depend on who asks', async () => {
    const served = await serveForTest(createFixtureServer(), {
      auth: apiKeyAuthenticator(['reader:reader-secret-0123456789:things:read']),
    });
    try {
      const { json } = await modern(
        served.url,
        'tools/list',
        {},
        { headers: { authorization: 'Bearer reader-secret-0123456789' } },
      );
      expect(json.result.cacheScope).toBe('private');
    } finally {
      await served.close();
    }
  });
});

describe('cancellation of a modern request over HTTP', () => {
  it('is the client closing the response: the handler sees its signal abort', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let aborted!: () => void;
    const stopped = new Promise<void>((resolve) => (aborted = resolve));
    const served = await serveForTest(
      defineServer({
        name: 'waiter',
        version: '1.0.0',
        tools: [
          defineTool({
            name: 'wait_for_cancel',
            description: 'Waits until cancelled.',
            input: {},
            handler: async (_args, ctx) => {
              started();
              await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
              aborted();
              return 'cancelled';
            },
          }),
        ],
      }),
    );
    try {
      const controller = new AbortController();
      const call = fetch(served.url, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': VERSION,
          'mcp-method': 'tools/call',
          'mcp-name': 'wait_for_cancel',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'wait_for_cancel', arguments: {}, _meta: META },
        }),
      });
      await running;
      controller.abort();
      await expect(call).rejects.toThrow();
      await stopped;
    } finally {
      await served.close();
    }
  });
});
