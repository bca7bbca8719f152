// Where tasks (the Tasks extension, io.modelcontextprotocol/tasks) are kept between the call that
// created one and the polls that read it. Only data lives here, so a shared store (Redis, issue
// 18) can implement the same interface; what cannot be shared (the running handler, its abort
// controller, the questions it waits on) stays in the engine of the process that runs it.
import { AppError } from '../errors.ts';
import type { InputRequest } from '../input.ts';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

/** A JSON-RPC error object: what a failed task carries. */
export interface TaskError {
  code: number;
  message: string;
  data?: unknown;
}

/** One task as stored: times in epoch milliseconds (the wire has ISO 8601, see wire.ts). */
export interface TaskRecord {
  /** Random 128 bits, base64url: a bearer secret, never guessable. */
  taskId: string;
  /** Who created it (authenticated client id, '' when anonymous): no one else sees it. */
  owner: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: number;
  lastUpdatedAt: number;
  ttlMs: number;
  pollIntervalMs: number;
  /** On `completed`: the tool's result. */
  result?: Record<string, unknown>;
  /** On `failed`. */
  error?: TaskError;
  /** On `input_required`: the questions still unanswered, by key. */
  inputRequests?: Record<string, InputRequest>;
}

export interface TaskStore {
  /**
   * Keeps a new task, or refuses with an `AppError` saying which bound was reached: the tasks
   * kept at once (any status, until their TTL), or one caller's unfinished tasks.
   */
  create(record: TaskRecord): Promise<void>;
  /** The task, when it exists, has not expired and belongs to `owner`; undefined otherwise. */
  get(taskId: string, owner: string): Promise<TaskRecord | undefined>;
  /**
   * Replaces a task that is not terminal with `change(record)` (undefined: leave it); a shared
   * store applies it atomically. Resolves with the stored record, or undefined when the task is
   * gone or was already terminal (a terminal task never changes).
   */
  update(
    taskId: string,
    change: (record: TaskRecord) => TaskRecord | undefined,
  ): Promise<TaskRecord | undefined>;
  /** Drops the tasks whose TTL ran out; resolves with their ids (the engine stops any still running). */
  purgeExpired(): Promise<string[]>;
  /**
   * A store shared by replicas (store-redis.ts): tells the other replicas what was asked here of a
   * task that runs on one of them (cancelled, or answers to its questions), so the replica running
   * it acts on it. False when it could not be sent.
   */
  relay?(message: TaskRelay): Promise<boolean>;
  /** Hears what other replicas relay; the function returned stops it. */
  onRelay?(listener: (message: TaskRelay) => void): () => void;
}

/** What a replica asks of a task that runs on another (shared stores only). */
export type TaskRelay =
  | { type: 'cancel'; taskId: string }
  | { type: 'answer'; taskId: string; inputResponses: Record<string, unknown> };

export interface MemoryTaskStoreOptions {
  /** Most tasks kept at once, any status (default 1000). */
  maxTasks?: number;
  /** Most unfinished tasks (working or input_required) one caller may have (default 100). */
  maxPerCaller?: number;
  now?: () => number;
}

/**
 * The default store: one process's memory, bounded in count (all tasks, and each caller's
 * unfinished ones) and in age (a task is dropped when its TTL runs out, result and all).
 */
export function createMemoryTaskStore(options: MemoryTaskStoreOptions = {}): TaskStore {
  const maxTasks = options.maxTasks ?? 1_000;
  const maxPerCaller = options.maxPerCaller ?? 100;
  const now = options.now ?? Date.now;
  // insertion order is creation order, so the first entries are the first to expire
  const tasks = new Map<string, TaskRecord>();
  const unfinished = new Map<string, number>();

  const release = (record: TaskRecord) => {
    if (TERMINAL.has(record.status)) return;
    const left = (unfinished.get(record.owner) ?? 1) - 1;
    if (left > 0) unfinished.set(record.owner, left);
    else unfinished.delete(record.owner);
  };
  const expired = (record: TaskRecord) => now() >= record.createdAt + record.ttlMs;
  const purge = () => {
    const gone: string[] = [];
    for (const record of tasks.values()) {
      if (!expired(record)) continue;
      tasks.delete(record.taskId);
      release(record);
      gone.push(record.taskId);
    }
    return gone;
  };

  return {
    async create(record) {
      purge();
      if (tasks.size >= maxTasks) {
        throw new AppError(
          'UNAVAILABLE',
          `this server already keeps ${maxTasks} tasks (MCP_MAX_TASKS): try again when older ones expire, or call without the tasks extension`,
        );
      }
      const open = unfinished.get(record.owner) ?? 0;
      if (open >= maxPerCaller) {
        throw new AppError(
          'RATE_LIMITED',
          `you have ${open} unfinished tasks, the most one caller may have (MCP_MAX_TASKS_PER_CALLER): wait for one to finish, or cancel one with tasks/cancel`,
        );
      }
      tasks.set(record.taskId, record);
      if (!TERMINAL.has(record.status)) unfinished.set(record.owner, open + 1);
    },
    async get(taskId, owner) {
      const record = tasks.get(taskId);
      if (!record || record.owner !== owner) return undefined;
      if (expired(record)) {
        purge();
        return undefined;
      }
      return record;
    },
    async update(taskId, change) {
      const record = tasks.get(taskId);
      if (!record || TERMINAL.has(record.status) || expired(record)) return undefined;
      const next = change(record);
      if (!next) return record;
      tasks.set(taskId, next);
      if (TERMINAL.has(next.status)) release(record);
      return next;
    },
    async purgeExpired() {
      return purge();
    },
  };
}
