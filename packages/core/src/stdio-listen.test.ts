// subscriptions/listen on stdio (2026-07-28): requests whose notifications share the one channel,
// told apart by subscription id; and the legacy era's resources/subscribe fed by the same feed.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryChangeFeed } from './changes.ts';
import { SUBSCRIPTION_ID } from './listen-filter.ts';
import type { ListenLimits } from './listens.ts';
import { defineResourceTemplate, defineServer, defineTool } from './server.ts';
import { type RunningStdio, runStdio } from './stdio.ts';
import { manualClock } from './test-fixtures/manual-clock.ts';
import { captureLogs } from './testing.ts';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
type Message = Record<string, any>;

function server() {
  const changes = createMemoryChangeFeed();
  const clock = manualClock();
  const definition = defineServer({
    name: 'listen-stdio',
    version: '1.0.0',
    changes,
    listChanged: ['tools'],
    tools: [
      defineTool({
        name: 'noop',
        description: 'nothing',
        input: { x: z.number().optional() },
        handler: () => 'ok',
      }),
    ],
    resources: [
      clock.resource,
      defineResourceTemplate({
        uriTemplate: 'item://{id}',
        name: 'item',
        read: ({ id }) => `${id}`,
        subscribable: true,
      }),
    ],
  });
  return { definition, changes, clock };
}

const running: RunningStdio[] = [];
afterEach(async () => {
  for (const stdio of running.splice(0)) await stdio.close();
});

/** runStdio over in-memory streams: `send` a message, `next(match)` waits for the first one matching. */
async function connect(
  definition: ReturnType<typeof server>['definition'],
  listenLimits?: Partial<ListenLimits>,
) {
  const input = new PassThrough();
  const output = new PassThrough();
  const received: Message[] = [];
  const waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  let buffer = '';
  output.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end = buffer.indexOf('\n');
    while (end !== -1) {
      const message = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      received.push(message);
      const index = waiters.findIndex((w) => w.match(message));
      if (index !== -1) waiters.splice(index, 1)[0]?.resolve(message);
      end = buffer.indexOf('\n');
    }
  });
  const stdio = await runStdio(definition, {
    logger: captureLogs().logger,
    input,
    output,
    handleSignals: false,
    ...(listenLimits && { listenLimits }),
  });
  running.push(stdio);
  return {
    stdio,
    received,
    send: (message: Message) => input.write(`${JSON.stringify(message)}\n`),
    /** The client goes away: stdin ends. */
    end: () => input.end(),
    /** The first message from now on (or already received, at `from` or later) that matches. */
    next: (match: (m: Message) => boolean, from = received.length) => {
      const found = received.slice(from).find(match);
      if (found) return Promise.resolve(found);
      return new Promise<Message>((resolve) => waiters.push({ match, resolve }));
    },
  };
}

const listen = (id: number | string, notifications: unknown) => ({
  jsonrpc: '2.0',
  id,
  method: 'subscriptions/listen',
  params: { _meta: META, notifications },
});
const tagged = (id: number | string, method?: string) => (m: Message) =>
  m.params?._meta?.[SUBSCRIPTION_ID] === id && (method === undefined || m.method === method);

describe('subscriptions/listen over stdio', () => {
  it('demultiplexes several listens on one connection by id, and a cancelled one stops alone', async () => {
    const { definition, changes, clock } = server();
    const c = await connect(definition);
    c.send(listen(1, { resourceSubscriptions: ['test://clock'] }));
    c.send(listen('b', { resourceSubscriptions: ['item://1'], toolsListChanged: true }));
    const ack1 = await c.next(tagged(1), 0);
    const ackB = await c.next(tagged('b'), 0);
    expect(ack1).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { resourceSubscriptions: ['test://clock'] } },
    });
    expect(ackB).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { resourceSubscriptions: ['item://1'], toolsListChanged: true } },
    });
    const from = c.received.length;
    clock.tick();
    changes.resourceUpdated('item://1');
    changes.toolsListChanged();
    await c.next(tagged('b', 'notifications/tools/list_changed'), from);
    // in publication order, each tagged with its own listen, nothing for a listen that did not ask
    expect(c.received.slice(from)).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { _meta: { [SUBSCRIPTION_ID]: 1 }, uri: 'test://clock' },
      },
      {
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { _meta: { [SUBSCRIPTION_ID]: 'b' }, uri: 'item://1' },
      },
      {
        jsonrpc: '2.0',
        method: 'notifications/tools/list_changed',
        params: { _meta: { [SUBSCRIPTION_ID]: 'b' } },
      },
    ]);
    // the client cancels listen 1: the clock is no longer watched, listen b goes on
    c.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
    await expect.poll(() => clock.running).toBe(0);
    const later = c.received.length;
    changes.resourceUpdated('item://1');
    await c.next(tagged('b', 'notifications/resources/updated'), later);
    expect(c.received.slice(later).some(tagged(1))).toBe(false);
  });

  it('bounds the listens of the connection and refuses bad filters, answering other requests meanwhile', async () => {
    const c = await connect(server().definition, { maxPerCaller: 2 });
    c.send(listen(1, {}));
    c.send(listen(2, {}));
    c.send(listen(3, {}));
    expect((await c.next((m) => m.id === 3, 0)).error).toMatchObject({
      code: -32000,
      data: { reason: 'too_many_listens', scope: 'caller', limit: 2 },
    });
    c.send(listen(4, { resourceSubscriptions: [42] }));
    expect((await c.next((m) => m.id === 4, 0)).error).toMatchObject({
      code: -32602,
      message: expect.stringContaining('notifications.resourceSubscriptions'),
    });
    c.send({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: META } });
    expect((await c.next((m) => m.id === 5, 0)).result.tools).toHaveLength(1);
  });

  it('ends each open listen with its complete result when the server stops', async () => {
    const c = await connect(server().definition);
    c.send(listen(1, { toolsListChanged: true }));
    c.send(listen(2, {}));
    await c.next(tagged(2), 0);
    await c.stdio.close();
    for (const id of [1, 2]) {
      expect(await c.next((m) => m.id === id, 0)).toMatchObject({
        result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID]: id } },
      });
    }
  });

  it('releases its listens without writing when stdin ends (the client is gone)', async () => {
    const { definition, clock } = server();
    const c = await connect(definition);
    c.send(listen(1, { resourceSubscriptions: ['test://clock'] }));
    await c.next(tagged(1), 0);
    expect(clock.running).toBe(1);
    const before = c.received.length;
    c.end();
    await c.stdio.closed;
    expect(clock.running).toBe(0);
    expect(c.received.slice(before)).toEqual([]);
  });
});

describe('resources/subscribe in the legacy era, fed by the change feed', () => {
  it('notifies a subscribed template resource and the advertised list changes, and stops on unsubscribe', async () => {
    const { definition, changes } = server();
    const c = await connect(definition);
    c.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    const init = await c.next((m) => m.id === 1, 0);
    expect(init.result.capabilities).toMatchObject({
      resources: { subscribe: true, listChanged: false },
      tools: { listChanged: true },
    });
    c.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    c.send({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: 'item://7' } });
    await c.next((m) => m.id === 2, 0);
    const from = c.received.length;
    changes.resourceUpdated('item://8');
    changes.resourceUpdated('item://7');
    changes.toolsListChanged();
    await c.next((m) => m.method === 'notifications/tools/list_changed', from);
    expect(c.received.slice(from)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'item://7' } },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
    c.send({ jsonrpc: '2.0', id: 3, method: 'resources/unsubscribe', params: { uri: 'item://7' } });
    await c.next((m) => m.id === 3, 0);
    c.send({ jsonrpc: '2.0', id: 4, method: 'resources/subscribe', params: { uri: 'nope://1' } });
    expect((await c.next((m) => m.id === 4, 0)).error).toMatchObject({ code: -32602 });
    const after = c.received.length;
    changes.resourceUpdated('item://7');
    changes.toolsListChanged();
    await c.next((m) => m.method === 'notifications/tools/list_changed', after);
    expect(c.received.slice(after).map((m) => m.method)).toEqual(['notifications/tools/list_changed']);
  });
});
