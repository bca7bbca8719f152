// One connection to the Redis that replicas share (MCP_REDIS_URL), watched: it knows whether
// Redis is answering, logs once when an outage starts and once when it ends, and makes every
// command fail fast instead of waiting while Redis is down or slow. ioredis is loaded only here,
// only when a URL is set, so a stdio server or a single replica never pays for it.
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

export interface RedisLinkOptions {
  logger: Logger;
  /** What an outage means for this process, said in the log line ("rate limits are not enforced"). */
  consequence?: string;
  /** Longest wait for one command before it counts as failed (default 250 ms). */
  commandTimeoutMs?: number;
  /** Shown by `CLIENT LIST` on the Redis side (default mcp-stack). */
  name?: string;
  /**
   * A connection for SUBSCRIBE only (redis-bus.ts): no auto-pipelining, and no resubscription by
   * ioredis (the bus subscribes again itself on every `ready`, so a channel whose first SUBSCRIBE
   * failed during an outage is not forgotten).
   */
  subscriber?: boolean;
  /** What the outage lines call this connection (default `redis`: `redis unavailable: …`). */
  label?: string;
}

export interface RedisLink {
  readonly client: Redis;
  /** False from a failed command or a lost connection until a command succeeds again. */
  readonly up: boolean;
  /** Commands that failed (or timed out) since start. */
  readonly failures: number;
  /** Runs a command through the link: counts and logs an outage; rejects at once while Redis is down. */
  run<T>(command: (client: Redis) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `redis://user:secret@host:6379/0` as `redis://host:6379/0`: a URL fit for a log line. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

/**
 * Connects, and answers once the first attempt has settled (ready, or failed within the connect
 * timeout): a server starts whether or not Redis is up, and what an outage means (fail open or
 * closed) is the caller's policy. It goes on reconnecting in the background. Commands never queue
 * while disconnected and never wait longer than the command timeout.
 */
export async function connectRedis(url: string, options: RedisLinkOptions): Promise<RedisLink> {
  const { Redis } = await import('ioredis');
  const { logger } = options;
  const target = redisTarget(url);
  const consequence = options.consequence ? `: ${options.consequence}` : '';
  const label = options.label ?? 'redis';
  const client = new Redis(url, {
    connectionName: options.name ?? 'mcp-stack',
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 2_000,
    // fail now rather than queue while disconnected: a request must not wait on Redis
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // commands issued in the same tick leave in one write (many requests at once: one round trip)
    enableAutoPipelining: !options.subscriber,
    autoResubscribe: false,
    // reconnect forever, backing off to one attempt every 2 s
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
  });
  let up = true;
  let failures = 0;
  const down = (error: unknown) => {
    if (!up) return;
    up = false;
    logger.warn(
      { redis: target, err: error instanceof Error ? error.message : String(error) },
      `${label} unavailable${consequence}`,
    );
  };
  const back = () => {
    if (up) return;
    up = true;
    logger.info({ redis: target }, `${label} available again`);
  };
  // ioredis reports connection errors as events: without a listener they would crash the process
  client.on('error', down);
  client.on('close', () => down(new Error('connection closed')));
  client.on('ready', back);
  // the first attempt settles before serving (commands are not queued before it): ready, or down
  // with the outage logged; either way start goes on, within the connect timeout
  await new Promise<void>((resolve) => {
    const settle = () => {
      client.off('ready', settle);
      client.off('error', settle);
      client.off('end', settle);
      resolve();
    };
    client.once('ready', settle);
    client.once('error', settle);
    client.once('end', settle);
  });
  return {
    client,
    get up() {
      return up;
    },
    get failures() {
      return failures;
    },
    async run(command) {
      try {
        const result = await command(client);
        back();
        return result;
      } catch (error) {
        failures++;
        down(error);
        throw error;
      }
    },
    async close() {
      client.removeAllListeners('close');
      client.disconnect(false);
    },
  };
}
