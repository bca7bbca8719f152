// Tasks in the Redis the replicas share (MCP_REDIS_URL), so `tasks/get` answers from any replica.
// Only data lives here, as in the memory store: the handler runs on the replica that started it,
// and `tasks/cancel` or `tasks/update` made on another replica reaches that one through the bus.
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '../errors.ts';
import type { SharedRedis } from '../shared.ts';
import { type TaskRecord, type TaskRelay, type TaskStore, TERMINAL } from './store.ts';

export interface RedisTaskStoreOptions {
  redis: SharedRedis;
  /** Names the keys and channel (`<prefix>tasks:<server>:…`): the definition's name. */
  server: string;
  /** Most tasks kept at once by all the replicas together, any status (default 1000). */
  maxTasks?: number;
  /** Most unfinished tasks one caller may have across the replicas (default 100). */
  maxPerCaller?: number;
  now?: () => number;
}

/**
 * KEYS: all (zset id→expiry), the owner's unfinished (zset), the task. ARGV: now, expiry, maxTasks,
 * maxPerCaller, record, unfinished (1/0), id. Answers 1 (kept), 0 (maxTasks reached), -1 (the caller's bound).
 */
const CREATE = `
local now = tonumber(ARGV[1])
local ttl = math.max(1, tonumber(ARGV[2]) - now)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
if ARGV[6] == '1' and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return -1 end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ttl)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[7])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
if ARGV[6] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[7])
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return 1
`;

/**
 * KEYS: the task, the owner's unfinished. ARGV: the record as read, the new one, terminal (1/0), id.
 * Answers 1 (replaced), 0 (changed meanwhile: read again), -1 (gone). Keeps the task's expiry.
 */
const REPLACE = `
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if ARGV[3] == '1' then redis.call('ZREM', KEYS[2], ARGV[4]) end
return 1
`;

type Scripts = {
  mcpTaskCreate(...args: Array<string | number>): Promise<number>;
  mcpTaskReplace(...args: Array<string | number>): Promise<number>;
};

/** Reads of a task changed by another replica between our read and our write, before giving up. */
const MAX_REPLACE_ATTEMPTS = 8;

export interface RedisTaskStore extends TaskStore {
  /** Sends `message` to the other replicas (the bus's channel `<prefix>tasks:<server>:relay`). */
  relay(message: TaskRelay): Promise<boolean>;
  /** `listener` hears what other replicas relay (checked: anything else is dropped). */
  onRelay(listener: (message: TaskRelay) => void): () => void;
}

/** A relayed message, checked: a task id of at most 64 characters, and answers as an object. */
function parseRelay(raw: string): TaskRelay | undefined {
  try {
    const message = JSON.parse(raw) as Partial<TaskRelay> & { inputResponses?: unknown };
    if (typeof message.taskId !== 'string' || message.taskId.length > 64) return undefined;
    if (message.type === 'cancel') return { type: 'cancel', taskId: message.taskId };
    const answers = message.inputResponses;
    if (
      message.type === 'answer' &&
      typeof answers === 'object' &&
      answers !== null &&
      !Array.isArray(answers)
    )
      return { type: 'answer', taskId: message.taskId, inputResponses: answers as Record<string, unknown> };
  } catch {
    // not JSON: dropped
  }
  return undefined;
}

/**
 * The store of the Tasks extension in Redis: the memory store's bounds (`maxTasks` kept at once,
 * `maxPerCaller` unfinished per caller), checked and taken atomically by one script for all the
 * replicas, and its TTL as Redis's expiry of the task's key. Every change is a compare-and-set of
 * the whole record, so concurrent changes from two replicas never lose one. Redis down: the
 * methods reject (the link logs the outage once), and the call answers an error.
 */
export function createRedisTaskStore(options: RedisTaskStoreOptions): RedisTaskStore {
  const { link, bus, prefix } = options.redis;
  const base = `${prefix}tasks:${options.server}:`;
  const channel = `${base}relay`;
  const maxTasks = options.maxTasks ?? 1_000;
  const maxPerCaller = options.maxPerCaller ?? 100;
  const now = options.now ?? Date.now;
  const queued = new Map<string, Promise<unknown>>();
  // the tasks created here, with their expiry: what purgeExpired tells this replica's engine to stop
  const mine = new Map<string, number>();
  const client = link.client;
  if (!('mcpTaskCreate' in client)) {
    client.defineCommand('mcpTaskCreate', { numberOfKeys: 3, lua: CREATE });
    client.defineCommand('mcpTaskReplace', { numberOfKeys: 2, lua: REPLACE });
  }
  const run = <T>(command: (scripts: Scripts & typeof client) => Promise<T>) =>
    link.run((c) => command(c as Scripts & typeof client));
  const taskKey = (taskId: string) => `${base}t:${taskId}`;
  const openKey = (owner: string) => `${base}open:${createHash('sha256').update(owner).digest('base64url')}`;
  const expired = (record: TaskRecord) => now() >= record.createdAt + record.ttlMs;
  const parse = (raw: string | null): TaskRecord | undefined => {
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as TaskRecord;
    } catch {
      return undefined;
    }
  };

  /** Compare-and-set of the whole record, read again while another replica changed it meanwhile. */
  async function replace(
    taskId: string,
    change: (record: TaskRecord) => TaskRecord | undefined,
  ): Promise<TaskRecord | undefined> {
    for (let attempt = 0; attempt < MAX_REPLACE_ATTEMPTS; attempt++) {
      const raw = await run((c) => c.get(taskKey(taskId)));
      const record = parse(raw);
      if (!record || TERMINAL.has(record.status) || expired(record)) return undefined;
      const next = change(record);
      if (!next) return record;
      const answer = await run((c) =>
        c.mcpTaskReplace(
          taskKey(taskId),
          openKey(record.owner),
          raw as string,
          JSON.stringify(next),
          TERMINAL.has(next.status) ? '1' : '0',
          taskId,
        ),
      );
      if (answer === 1) return next;
      if (answer === -1) return undefined;
      await delay(Math.random() * 5 * (attempt + 1)); // another replica won: a moment, then read again
    }
    throw new AppError('UNAVAILABLE', `task ${taskId} kept changing while it was being updated: try again`);
  }

  return {
    async create(record) {
      const expiry = record.createdAt + record.ttlMs;
      const answer = await run((c) =>
        c.mcpTaskCreate(
          `${base}all`,
          openKey(record.owner),
          taskKey(record.taskId),
          now(),
          expiry,
          maxTasks,
          maxPerCaller,
          JSON.stringify(record),
          TERMINAL.has(record.status) ? '0' : '1',
          record.taskId,
        ),
      );
      if (answer === 0)
        throw new AppError(
          'UNAVAILABLE',
          `this server already keeps ${maxTasks} tasks (MCP_MAX_TASKS, all replicas together): try again when older ones expire, or call without the tasks extension`,
        );
      if (answer === -1)
        throw new AppError(
          'RATE_LIMITED',
          `you have ${maxPerCaller} unfinished tasks, the most one caller may have (MCP_MAX_TASKS_PER_CALLER): wait for one to finish, or cancel one with tasks/cancel`,
        );
      if (mine.size < maxTasks) mine.set(record.taskId, expiry);
    },
    async get(taskId, owner) {
      const record = parse(await run((c) => c.get(taskKey(taskId))));
      if (!record || record.owner !== owner || expired(record)) return undefined;
      return record;
    },
    update(taskId, change) {
      // one change of a task at a time from this process: only other replicas can race it
      const previous = queued.get(taskId) ?? Promise.resolve();
      const next = previous.then(
        () => replace(taskId, change),
        () => replace(taskId, change),
      );
      const settled = next.finally(() => {
        if (queued.get(taskId) === settled) queued.delete(taskId);
      });
      queued.set(taskId, settled);
      return next;
    },
    async purgeExpired() {
      // Redis forgets expired tasks by itself; the engine needs to know the ones it may be running
      const at = now();
      const gone: string[] = [];
      for (const [taskId, expiry] of mine) {
        if (expiry > at) continue;
        mine.delete(taskId);
        gone.push(taskId);
      }
      return gone;
    },
    relay: (message) => bus.publish(channel, JSON.stringify(message)),
    onRelay(listener) {
      return bus.subscribe(channel, (raw) => {
        const message = parseRelay(raw);
        if (message) listener(message);
      });
    },
  };
}
