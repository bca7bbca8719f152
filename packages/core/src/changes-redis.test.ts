import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChangeEvent, createMemoryChangeFeed } from './changes.ts';
import { createRedisChangeFeed, parseChangeEvent } from './changes-redis.ts';
import { buildTables } from './dispatch.ts';
import { listensFor } from './listens.ts';
import { connectRedis, type RedisLink } from './redis.ts';
import { createRedisBus, MAX_BUS_MESSAGE_BYTES, type RedisBus } from './redis-bus.ts';
import { defineResourceTemplate, defineServer } from './server.ts';
import { manualClock } from './test-fixtures/manual-clock.ts';
import { captureLogs, connectInMemory, serviceUrl } from './testing.ts';

const REDIS = await serviceUrl('redis');
const closing: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** One process's link and bus, as shared.ts makes them: two connections. */
async function replica(url: string, logger = captureLogs().logger) {
  const [link, subscriber] = await Promise.all([
    connectRedis(url, { logger, consequence: 'changes are not relayed', commandTimeoutMs: 200 }),
    connectRedis(url, {
      logger,
      subscriber: true,
      label: 'redis bus',
      name: `test-sub-${randomUUID()}`,
      commandTimeoutMs: 200,
      consequence: 'changes made on other replicas are not heard here until it is back',
    }),
  ]);
  const bus = createRedisBus(link, subscriber);
  closing.push(async () => {
    await bus.close();
    await link.close();
  });
  return { link, subscriber, bus };
}

/** Resolves once the bus heard its own channel's subscription (a message sent before would be missed). */
async function subscribed(link: RedisLink, channel: string, count: number) {
  await expect
    .poll(async () => {
      const answer = (await link.client.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
      return Number(answer[1]);
    })
    .toBe(count);
}

function feedOn(bus: RedisBus, channel: string) {
  const local = createMemoryChangeFeed();
  const feed = createRedisChangeFeed({ local, bus, channel });
  closing.push(() => feed.close());
  const heard: ChangeEvent[] = [];
  feed.subscribe((event) => heard.push(event));
  return { local, feed, heard };
}

/** A server whose `item://{id}` is subscribable and whose clock is watched, over a given feed. */
function server(changes: ReturnType<typeof createRedisChangeFeed>) {
  const clock = manualClock();
  const definition = defineServer({
    name: 'bus-fixture',
    version: '1.0.0',
    changes,
    resources: [
      clock.resource,
      defineResourceTemplate({
        uriTemplate: 'item://{id}',
        name: 'item',
        read: ({ id }) => `item ${id}`,
        subscribable: true,
      }),
    ],
  });
  return { definition, clock };
}

describe('parseChangeEvent', () => {
  it('takes the four events and drops anything else', () => {
    expect(parseChangeEvent('{"type":"resourceUpdated","uri":"item://1"}')).toEqual({
      type: 'resourceUpdated',
      uri: 'item://1',
    });
    expect(parseChangeEvent('{"type":"toolsListChanged"}')).toEqual({ type: 'toolsListChanged' });
    for (const bad of [
      'not json',
      'null',
      '42',
      '{"type":"resourceUpdated"}',
      '{"type":"resourceUpdated","uri":""}',
      `{"type":"resourceUpdated","uri":"${'x'.repeat(4_097)}"}`,
      '{"type":"somethingElse"}',
      '{"type":"__proto__"}',
    ])
      expect(parseChangeEvent(bad), bad).toBeUndefined();
  });
});

describe.skipIf(!REDIS)('the change feed shared through Redis', () => {
  const url = REDIS as string;

  it('delivers a change made on one replica to the listeners of every replica, each exactly once', async () => {
    const channel = `test:${randomUUID()}:changes:fixture`;
    const [a, b, c] = await Promise.all([replica(url), replica(url), replica(url)]);
    const feeds = [feedOn(a.bus, channel), feedOn(b.bus, channel), feedOn(c.bus, channel)];
    await subscribed(a.link, channel, 3);

    await feeds[0]?.feed.resourceUpdated('item://1');
    await feeds[1]?.feed.toolsListChanged();
    // the publisher's own listener hears it synchronously, from memory, before Redis is involved
    expect(feeds[0]?.heard).toEqual([{ type: 'resourceUpdated', uri: 'item://1' }]);
    const both = [{ type: 'resourceUpdated', uri: 'item://1' }, { type: 'toolsListChanged' }];
    for (const feed of feeds) await expect.poll(() => feed.heard.length).toBe(2);
    // and nothing more arrives: one more change, relayed after the first two, is the only addition
    await feeds[2]?.feed.resourceUpdated('item://2');
    for (const feed of feeds) await expect.poll(() => feed.heard.length).toBe(3);
    for (const feed of feeds) {
      expect(new Set(feed.heard.slice(0, 2).map((e) => JSON.stringify(e)))).toEqual(
        new Set(both.map((e) => JSON.stringify(e))),
      );
      expect(feed.heard[2]).toEqual({ type: 'resourceUpdated', uri: 'item://2' });
    }
    expect(a.bus.stats()).toMatchObject({ published: 1, received: 2, publishFailures: 0 });
  });

  it('reaches a subscriptions/listen stream and a legacy resources/subscribe on another replica, and watchers stay local', async () => {
    const channel = `test:${randomUUID()}:changes:fixture`;
    const [a, b] = await Promise.all([replica(url), replica(url)]);
    const feedA = createRedisChangeFeed({ local: createMemoryChangeFeed(), bus: a.bus, channel });
    const feedB = createRedisChangeFeed({ local: createMemoryChangeFeed(), bus: b.bus, channel });
    closing.push(
      () => feedA.close(),
      () => feedB.close(),
    );
    const serverA = server(feedA);
    const serverB = server(feedB);

    // on B: a modern listen on item://7 and the clock, and a legacy session subscribed to item://7
    const listens = listensFor(buildTables(serverB.definition), { logger: captureLogs().logger });
    const streamed: Array<Record<string, unknown>> = [];
    listens.open({
      id: 'l1',
      caller: 'anonymous',
      sink: { send: (message) => streamed.push(message) > 0, end: () => {} },
      filter: { resourceSubscriptions: ['item://7', 'test://clock'] },
    });
    const legacy = await connectInMemory(serverB.definition);
    closing.push(() => legacy.close());
    const legacyHeard: string[] = [];
    legacy.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      legacyHeard.push(n.params.uri);
    });
    await legacy.client.subscribeResource({ uri: 'item://7' });
    // on A: someone listens to the clock too, so A's watcher runs
    const listensA = listensFor(buildTables(serverA.definition), { logger: captureLogs().logger });
    const streamedA: Array<Record<string, unknown>> = [];
    listensA.open({
      id: 'a1',
      caller: 'anonymous',
      sink: { send: (message) => streamedA.push(message) > 0, end: () => {} },
      filter: { resourceSubscriptions: ['test://clock'] },
    });
    await subscribed(a.link, channel, 2);

    // a write on A, published to A's feed as a tool does
    await feedA.resourceUpdated('item://7');
    const updates = (messages: Array<Record<string, unknown>>) =>
      messages
        .filter((m) => m.method === 'notifications/resources/updated')
        .map((m) => (m.params as { uri: string }).uri);
    await expect.poll(() => updates(streamed)).toEqual(['item://7']);
    await expect.poll(() => legacyHeard).toEqual(['item://7']);

    // each replica's clock watcher tells its own listeners only: not multiplied by the replicas
    serverA.clock.tick();
    serverB.clock.tick();
    await expect.poll(() => updates(streamedA)).toEqual(['test://clock']);
    await expect.poll(() => updates(streamed)).toEqual(['item://7', 'test://clock']);
    // a marker change published after the ticks has arrived: anything relayed before it has too
    await feedA.resourceUpdated('item://7');
    await expect.poll(() => legacyHeard).toEqual(['item://7', 'item://7']);
    await expect.poll(() => updates(streamed)).toEqual(['item://7', 'test://clock', 'item://7']);
    expect(updates(streamedA)).toEqual(['test://clock']);
  });

  it('subscribes again after its connection was cut, and drops what is malformed or too large', async () => {
    const channel = `test:${randomUUID()}:changes:fixture`;
    const [a, b] = await Promise.all([replica(url), replica(url)]);
    const sender = feedOn(a.bus, channel);
    const receiver = feedOn(b.bus, channel);
    await subscribed(a.link, channel, 2);

    // Redis drops B's subscriber connection: it reconnects and subscribes again by itself
    await a.link.client.call('CLIENT', 'KILL', 'ID', String(await b.subscriber.client.client('ID')));
    await subscribed(a.link, channel, 1);
    await subscribed(a.link, channel, 2);
    await sender.feed.resourceUpdated('item://after');
    await expect.poll(() => receiver.heard).toEqual([{ type: 'resourceUpdated', uri: 'item://after' }]);

    // someone else writes junk on the channel: dropped, counted, never delivered
    const raw = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    closing.push(() => void raw.disconnect());
    await raw.connect();
    await raw.publish(channel, 'other {"type":"resourceUpdated"}');
    await raw.publish(channel, 'no-envelope');
    await raw.publish(channel, `other ${'x'.repeat(MAX_BUS_MESSAGE_BYTES)}`);
    await raw.publish(channel, 'other {"type":"resourceUpdated","uri":"item://marker"}');
    await expect.poll(() => receiver.heard.length).toBe(2);
    expect(receiver.heard[1]).toEqual({ type: 'resourceUpdated', uri: 'item://marker' });
    expect(b.bus.stats().dropped).toBe(2);

    // nor does it send one over the bound: refused before Redis, counted as a failure
    expect(await a.bus.publish(channel, 'x'.repeat(MAX_BUS_MESSAGE_BYTES))).toBe(false);
    expect(a.bus.stats().publishFailures).toBe(1);
  });
});

describe('the shared change feed when Redis is down', () => {
  it('still delivers locally at once, never waits, counts the failures, and logs the outage once', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const logs = captureLogs();
    const { bus } = await replica(`redis://:s3cret-password@127.0.0.1:${port}`, logs.logger);
    const { feed, heard } = feedOn(bus, 'test:down:changes:fixture');

    for (let i = 0; i < 50; i++) await feed.resourceUpdated(`item://${i}`);
    expect(heard).toHaveLength(50);
    await expect.poll(() => bus.stats().publishFailures).toBe(50);
    const outages = logs.lines().filter((l) => / unavailable/.test(String(l.msg)));
    // one line per connection (commands, and the bus's subscriber), not one per change
    expect(outages.map((l) => l.msg).sort()).toEqual([
      'redis bus unavailable: changes made on other replicas are not heard here until it is back',
      'redis unavailable: changes are not relayed',
    ]);
    expect(JSON.stringify(logs.lines())).not.toContain('s3cret-password');
  });
});
