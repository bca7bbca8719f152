// Messages between the replicas of one server over the Redis they share (MCP_REDIS_URL): publish on
// the watched command link (redis.ts), hear on one subscriber connection per process with every
// channel multiplexed on it. What rides on it: resource changes (changes-redis.ts) and GET cache
// invalidations (http-cache-redis.ts). Pub/sub delivers to whoever is subscribed at that moment and
// keeps nothing: a replica cut off from Redis misses what was sent meanwhile.
import { randomBytes } from 'node:crypto';
import type { RedisLink } from './redis.ts';

/** The largest message sent or heard, in bytes: a bigger one is refused on send and dropped on receipt. */
export const MAX_BUS_MESSAGE_BYTES = 64 * 1024;

export type BusHandler = (message: string) => void;

export interface BusStats {
  /** Messages Redis took. */
  published: number;
  /** Messages Redis did not take (down, slow, or over the size bound): their receivers never heard them. */
  publishFailures: number;
  /** Messages heard from other processes and handed on. */
  received: number;
  /** Messages heard and dropped: over the size bound, or not in the bus's envelope. */
  dropped: number;
}

export interface RedisBus {
  /** This process's id on the bus (random): its own messages are not handed back to it. */
  readonly origin: string;
  /**
   * Sends to every other process subscribed to `channel`. Never throws and never waits past the
   * link's command timeout: false when Redis did not take it (counted; the link logs the outage once).
   */
  publish(channel: string, message: string): Promise<boolean>;
  /** `handler` hears the messages other processes send on `channel` until the function returned is called. */
  subscribe(channel: string, handler: BusHandler): () => void;
  /** False while the subscriber connection is down: messages sent meanwhile are missed here. */
  readonly listening: boolean;
  stats(): BusStats;
  /** Closes the subscriber connection (the publishing link is its owner's to close). */
  close(): Promise<void>;
}

/**
 * A bus over `publisher` (commands) and `subscriber` (a `connectRedis(..., { subscriber: true })`
 * link, used for nothing else). Every message travels as `<origin> <message>`. Channels are
 * subscribed again on every `ready` of the subscriber, so an outage, or a first SUBSCRIBE that
 * failed while Redis was down, heals by itself. A handler that throws does not keep a message
 * from the others.
 */
export function createRedisBus(
  publisher: RedisLink,
  subscriber: RedisLink,
  options: { onError?: (error: unknown) => void } = {},
): RedisBus {
  const origin = randomBytes(9).toString('base64url');
  const channels = new Map<string, Set<BusHandler>>();
  const stats: BusStats = { published: 0, publishFailures: 0, received: 0, dropped: 0 };
  const client = subscriber.client;

  const subscribeAll = () => {
    if (channels.size === 0) return;
    // a failure is counted and logged by the link; the next `ready` tries again
    subscriber.run((c) => c.subscribe(...channels.keys())).catch(() => {});
  };
  const onMessage = (channel: string, raw: string) => {
    const handlers = channels.get(channel);
    if (!handlers) return;
    const space = raw.indexOf(' ');
    if (raw.length > MAX_BUS_MESSAGE_BYTES || space < 1) {
      stats.dropped++;
      return;
    }
    if (raw.slice(0, space) === origin) return; // our own: already delivered here
    stats.received++;
    const message = raw.slice(space + 1);
    for (const handler of [...handlers]) {
      try {
        handler(message);
      } catch (error) {
        options.onError?.(error);
      }
    }
  };
  client.on('message', onMessage);
  client.on('ready', subscribeAll);

  return {
    origin,
    async publish(channel, message) {
      const envelope = `${origin} ${message}`;
      if (Buffer.byteLength(envelope) > MAX_BUS_MESSAGE_BYTES) {
        stats.publishFailures++;
        return false;
      }
      try {
        await publisher.run((c) => c.publish(channel, envelope));
        stats.published++;
        return true;
      } catch {
        stats.publishFailures++;
        return false;
      }
    },
    subscribe(channel, handler) {
      let handlers = channels.get(channel);
      if (!handlers) {
        handlers = new Set();
        channels.set(channel, handlers);
        if (client.status === 'ready') subscriber.run((c) => c.subscribe(channel)).catch(() => {});
      }
      // a wrapper: the same function subscribed twice is two subscriptions
      const entry: BusHandler = (message) => handler(message);
      handlers.add(entry);
      const current = handlers;
      return () => {
        if (!current.delete(entry) || current.size > 0) return;
        channels.delete(channel);
        if (client.status === 'ready') subscriber.run((c) => c.unsubscribe(channel)).catch(() => {});
      };
    },
    get listening() {
      return client.status === 'ready';
    },
    stats: () => ({ ...stats }),
    async close() {
      client.off('message', onMessage);
      client.off('ready', subscribeAll);
      channels.clear();
      await subscriber.close();
    },
  };
}
