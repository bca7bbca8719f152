// subscriptions/listen over stateless HTTP (2026-07-28): the POST's answer is the stream.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiKeyAuthenticator } from '../auth.ts';
import { createMemoryChangeFeed } from '../changes.ts';
import { SUBSCRIPTION_ID } from '../listen-filter.ts';
import { defineResource, defineResourceTemplate, defineServer, defineTool } from '../server.ts';
import { MODERN_META, modernCall, modernHeaders, openHttpListen } from '../test-fixtures/listen-client.ts';
import { type ServedForTest, serveForTest } from '../testing.ts';

/** Items that tools change, a watched clock whose start and stop are observable. */
function listenServer() {
  const changes = createMemoryChangeFeed();
  let stopped!: () => void;
  const clockStopped = new Promise<void>((resolve) => (stopped = resolve));
  let tick = () => {};
  const definition = defineServer({
    name: 'listen-http',
    version: '1.0.0',
    changes,
    listChanged: ['tools'],
    tools: [
      defineTool({
        name: 'touch',
        description: 'changes item {id} (publishes it `times` times)',
        input: { id: z.string(), times: z.number().int().min(1).default(1) },
        handler: ({ id, times }) => {
          for (let i = 0; i < times; i++) changes.resourceUpdated(`item://${id}`);
          return 'touched';
        },
      }),
      defineTool({
        name: 'retool',
        description: 'announces a tools list change',
        input: {},
        handler: () => {
          changes.toolsListChanged();
          return 'announced';
        },
      }),
      defineTool({
        name: 'tick',
        description: 'ticks the clock',
        input: {},
        handler: () => {
          tick();
          return 'ticked';
        },
      }),
    ],
    resources: [
      defineResource({
        uri: 'test://clock',
        name: 'clock',
        read: () => 'now',
        watch: (changed) => {
          tick = changed;
          return () => {
            tick = () => {};
            stopped();
          };
        },
      }),
      defineResourceTemplate({
        uriTemplate: 'item://{id}',
        name: 'item',
        read: ({ id }) => `${id}`,
        subscribable: true,
      }),
    ],
  });
  return { definition, clockStopped };
}

const call = (
  url: string,
  name: string,
  args: Record<string, unknown> = {},
  headers?: Record<string, string>,
) => modernCall(url, 'tools/call', { name, arguments: args }, headers);

let served: ServedForTest | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('subscriptions/listen over HTTP', () => {
  it('acknowledges first, then streams only the asked-for changes made on other connections, tagged', async () => {
    served = await serveForTest(listenServer().definition);
    const listen = await openHttpListen(served.url, {
      id: 'sub-1',
      filter: { resourceSubscriptions: ['item://1', 'unknown://x'] },
    });
    expect(listen.status).toBe(200);
    expect(await listen.next()).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: {
        _meta: { [SUBSCRIPTION_ID]: 'sub-1' },
        // a URI no subscribable resource answers to is left out, not refused
        notifications: { resourceSubscriptions: ['item://1'] },
      },
    });
    // not asked for: another item, the tools list; then what was asked for
    await call(served.url, 'touch', { id: '2' });
    await call(served.url, 'retool');
    await call(served.url, 'touch', { id: '1' });
    expect(await listen.next()).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { _meta: { [SUBSCRIPTION_ID]: 'sub-1' }, uri: 'item://1' },
    });
    listen.close();
  });

  it('serves several listens at once, each its own stream', async () => {
    served = await serveForTest(listenServer().definition);
    const tools = await openHttpListen(served.url, { id: 1, filter: { toolsListChanged: true } });
    const items = await openHttpListen(served.url, {
      id: 2,
      filter: { resourceSubscriptions: ['item://5'] },
    });
    await tools.next();
    await items.next();
    await call(served.url, 'touch', { id: '5' });
    await call(served.url, 'retool');
    expect(await tools.next()).toMatchObject({
      method: 'notifications/tools/list_changed',
      params: { _meta: { [SUBSCRIPTION_ID]: 1 } },
    });
    expect(await items.next()).toMatchObject({
      method: 'notifications/resources/updated',
      params: { _meta: { [SUBSCRIPTION_ID]: 2 }, uri: 'item://5' },
    });
    tools.close();
    items.close();
  });

  it('releases a listen when its client closes the stream: the watched resource stops being watched', async () => {
    const { definition, clockStopped } = listenServer();
    served = await serveForTest(definition);
    const listen = await openHttpListen(served.url, { filter: { resourceSubscriptions: ['test://clock'] } });
    await listen.next();
    await call(served.url, 'tick');
    expect(await listen.next()).toMatchObject({ params: { uri: 'test://clock' } });
    listen.close();
    await clockStopped;
    const metrics = await (await fetch(`${served.origin}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_listens_open 0$/m);
    expect(metrics).toMatch(/^mcp_listen_notifications_total 1$/m);
  });

  it('refuses a bad filter with -32602 naming what is wrong', async () => {
    served = await serveForTest(listenServer().definition);
    const cases: Array<[unknown, RegExp]> = [
      [{ _meta: MODERN_META }, /notifications/],
      [{ _meta: MODERN_META, notifications: { resourceSubscriptions: 'item://1' } }, /resourceSubscriptions/],
      [{ _meta: MODERN_META, notifications: { toolsListChanged: 'yes' } }, /toolsListChanged/],
      [
        {
          _meta: MODERN_META,
          notifications: { resourceSubscriptions: Array.from({ length: 101 }, (_, i) => `item://${i}`) },
        },
        /at most 100 resource URIs per listen/,
      ],
      [
        { _meta: MODERN_META, notifications: { resourceSubscriptions: [`item://${'x'.repeat(3_000)}`] } },
        /at most 2048 characters/,
      ],
    ];
    for (const [params, message] of cases) {
      const refused = await openHttpListen(served.url, { params });
      expect(refused.status).toBe(400);
      expect(refused.json?.error).toMatchObject({ code: -32602, message: expect.stringMatching(message) });
    }
  });

  it('bounds listens per caller (429) and per process (503, Retry-After), counted, and still answers calls', async () => {
    const keys = ['a', 'b', 'c'].map((id) => `${id}:${id}-secret-0123456789abcdef`);
    served = await serveForTest(listenServer().definition, {
      auth: apiKeyAuthenticator(keys),
      listenLimits: { maxPerCaller: 2, maxListens: 3 },
    });
    const url = served.url;
    const as = (id: string) => ({ authorization: `Bearer ${id}-secret-0123456789abcdef` });
    const open = [
      await openHttpListen(url, { headers: as('a') }),
      await openHttpListen(url, { headers: as('a') }),
    ];
    const third = await openHttpListen(url, { headers: as('a') });
    expect(third.status).toBe(429);
    expect(third.json?.error).toMatchObject({
      code: -32000,
      message: expect.stringContaining('MCP_MAX_LISTENS_PER_CALLER'),
      data: { reason: 'too_many_listens', scope: 'caller', limit: 2 },
    });
    open.push(await openHttpListen(url, { headers: as('b') }));
    const full = await openHttpListen(url, { headers: as('c') });
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(full.json?.error).toMatchObject({ code: -32000, data: { scope: 'process', limit: 3 } });
    // everyone can still call
    expect(await call(url, 'retool', {}, as('c'))).toMatchObject({
      result: { content: [{ text: 'announced' }] },
    });
    const metrics = await (await fetch(`${served.origin}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_listens_open 3$/m);
    expect(metrics).toMatch(/^mcp_listens_refused_total\{scope="caller"\} 1$/m);
    expect(metrics).toMatch(/^mcp_listens_refused_total\{scope="process"\} 1$/m);
    // closing one makes room
    open[0]?.close();
    await open[0]?.ended;
    let again = await openHttpListen(url, { headers: as('c') });
    // the server may see the close a moment after the client: retry until it has
    while (again.status === 503) again = await openHttpListen(url, { headers: as('c') });
    expect(again.status).toBe(200);
    for (const listen of [...open, again]) listen.close();
  });

  it('ends open listens at shutdown with the complete result, without waiting for the grace period', async () => {
    served = await serveForTest(listenServer().definition, { shutdownGraceMs: 120_000 });
    const listens = [
      await openHttpListen(served.url, { id: 1, filter: { toolsListChanged: true } }),
      await openHttpListen(served.url, { id: 'two', filter: {} }),
    ];
    for (const listen of listens) await listen.next();
    const clean = await served.close();
    served = undefined;
    expect(clean).toBe(true);
    for (const [listen, id] of [
      [listens[0], 1],
      [listens[1], 'two'],
    ] as const) {
      expect(await listen?.next()).toMatchObject({
        jsonrpc: '2.0',
        id,
        result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID]: id } },
      });
      await listen?.ended;
    }
  }, 20_000);

  it('drops a listener that does not read instead of buffering for it', async () => {
    served = await serveForTest(listenServer().definition);
    const { port, hostname } = new URL(served.url);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'subscriptions/listen',
      params: { _meta: MODERN_META, notifications: { resourceSubscriptions: ['item://1'] } },
    });
    const socket = connect(Number(port), hostname);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const headers = { ...modernHeaders('subscriptions/listen'), host: `${hostname}:${port}` };
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /mcp HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // the acknowledgement arrives; from then on this client reads nothing
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    // about 13 MB of notifications: far past the kernel's buffers and the stream's bound
    for (let i = 0; i < 10; i++) await call(served.url, 'touch', { id: '1', times: 10_000 });
    const metrics = await (await fetch(`${served.origin}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_listens_dropped_total 1$/m);
    expect(metrics).toMatch(/^mcp_listens_open 0$/m);
    socket.resume();
    await closed;
  }, 30_000);
});
