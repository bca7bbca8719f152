// The change feed shared by every replica of a server (MCP_REDIS_URL): a change published on one
// replica reaches the listens and legacy subscriptions of all of them, through Redis pub/sub.
import type { ChangeEvent, ChangeFeed, ChangeListener } from './changes.ts';
import type { RedisBus } from './redis-bus.ts';

/** Longest URI carried between replicas; a longer one is delivered here only (listen filters allow 2,048). */
const MAX_URI_LENGTH = 4_096;

const LIST_EVENTS = new Set(['toolsListChanged', 'promptsListChanged', 'resourcesListChanged']);

/** An event heard from Redis, checked: anything else on the channel is dropped. */
export function parseChangeEvent(message: string): ChangeEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, uri } = value as { type?: unknown; uri?: unknown };
  if (type === 'resourceUpdated')
    return typeof uri === 'string' && uri.length > 0 && uri.length <= MAX_URI_LENGTH
      ? { type, uri }
      : undefined;
  if (typeof type === 'string' && LIST_EVENTS.has(type)) return { type } as ChangeEvent;
  return undefined;
}

export interface RedisChangeFeed extends ChangeFeed {
  /** Events heard from other replicas and dropped as malformed. */
  readonly dropped: number;
  /** Stops relaying (the bus stays open: it is its owner's to close). */
  close(): void;
}

/**
 * Wraps this process's feed (`local`: the one the server's tools publish to) so its listeners also
 * hear the other replicas' changes. Every local event is delivered here at once, synchronously, as
 * before, and relayed to the other replicas without waiting: a tool call never waits on Redis, and
 * when Redis is down the change still reaches this replica's listeners (the failure is counted by
 * the bus and logged once per outage by the link). Events from the other replicas reach the
 * listeners subscribed here; the bus never hands a process its own messages back, so each listener
 * hears each change once.
 */
export function createRedisChangeFeed(options: {
  local: ChangeFeed;
  bus: RedisBus;
  /** `mcp-stack:changes:<server>`: replicas of one server share it, other servers keep apart. */
  channel: string;
  onError?: (error: unknown) => void;
}): RedisChangeFeed {
  const { local, bus, channel } = options;
  const remote = new Set<ChangeListener>();
  let dropped = 0;
  const relay = local.subscribe((event) => {
    if (event.type === 'resourceUpdated' && event.uri.length > MAX_URI_LENGTH) return;
    void bus.publish(channel, JSON.stringify(event));
  });
  const hear = bus.subscribe(channel, (message) => {
    const event = parseChangeEvent(message);
    if (!event) {
      dropped++;
      return;
    }
    for (const listener of [...remote]) {
      try {
        listener(event);
      } catch (error) {
        options.onError?.(error);
      }
    }
  });
  return {
    resourceUpdated: (uri) => local.resourceUpdated(uri),
    toolsListChanged: () => local.toolsListChanged(),
    promptsListChanged: () => local.promptsListChanged(),
    resourcesListChanged: () => local.resourcesListChanged(),
    subscribe(listener) {
      const stopLocal = local.subscribe(listener);
      const entry: ChangeListener = (event) => listener(event);
      remote.add(entry);
      return () => {
        stopLocal();
        remote.delete(entry);
      };
    },
    get dropped() {
      return dropped;
    },
    close() {
      relay();
      hear();
      remote.clear();
    },
  };
}
