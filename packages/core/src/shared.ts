// What the replicas of a server share through Redis (MCP_REDIS_URL), set up once per process by the
// CLI: the watched command link (rate limits, the GET cache's second level), the pub/sub bus on a
// subscriber connection of its own, and the definition's change feed relayed over that bus.
import { createRedisChangeFeed } from './changes-redis.ts';
import type { Logger } from './logger.ts';
import { connectRedis, type RedisLink } from './redis.ts';
import { createRedisBus, type RedisBus } from './redis-bus.ts';
import type { ServerDefinition } from './server.ts';

export interface SharedRedis {
  /** Commands (rate-limit scripts, cache reads and writes, publishing). */
  readonly link: RedisLink;
  /** Pub/sub between the replicas (changes, cache invalidations). */
  readonly bus: RedisBus;
  /** MCP_REDIS_PREFIX (`mcp-stack:`): starts every key and channel name. */
  readonly prefix: string;
  /** Closes the bus's connection, then the link. */
  close(): Promise<void>;
}

export interface ConnectSharedOptions {
  logger: Logger;
  /** The bin (`mcp-server-users`), shown by `CLIENT LIST`. */
  name: string;
  prefix: string;
  commandTimeoutMs: number;
  /** What an outage of the command link means here, for its log line. */
  consequence: string;
}

/**
 * Both connections, each watched (an outage is logged once when it starts and once when it ends,
 * with the host, never the password); answers once their first attempts settled, up or not, so a
 * replica starts whether or not Redis is there and heals when it comes back.
 */
export async function connectShared(url: string, options: ConnectSharedOptions): Promise<SharedRedis> {
  const { logger, name, commandTimeoutMs } = options;
  const [link, subscriber] = await Promise.all([
    connectRedis(url, { logger, name, commandTimeoutMs, consequence: options.consequence }),
    connectRedis(url, {
      logger,
      name: `${name}:bus`,
      commandTimeoutMs,
      subscriber: true,
      label: 'redis bus',
      consequence: 'changes made on other replicas are not heard here until it is back',
    }),
  ]);
  const bus = createRedisBus(link, subscriber, {
    onError: (error) => logger.error({ err: error }, 'a bus message handler failed'),
  });
  return {
    link,
    bus,
    prefix: options.prefix,
    async close() {
      await bus.close();
      await link.close();
    },
  };
}

/**
 * The definition with its change feed relayed to and from the other replicas
 * (`<prefix>changes:<server name>`). A definition without a feed publishes nothing: it is left as
 * it is (its static resources' watchers are local to each replica anyway).
 */
export function shareChanges(
  definition: ServerDefinition,
  shared: SharedRedis,
  logger: Logger,
): ServerDefinition {
  if (!definition.changes) return definition;
  const changes = createRedisChangeFeed({
    local: definition.changes,
    bus: shared.bus,
    channel: `${shared.prefix}changes:${definition.name}`,
    onError: (error) => logger.error({ err: error }, 'a change listener failed'),
  });
  const close = definition.close;
  return {
    ...definition,
    changes,
    close: async () => {
      changes.close();
      await close?.();
    },
  };
}
