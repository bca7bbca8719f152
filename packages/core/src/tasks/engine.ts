// The Tasks extension (io.modelcontextprotocol/tasks, SEP-2663) for the modern era: a tool that
// declares `task` runs in the background when the request declared the extension, and the call
// answers a CreateTaskResult at once; the client polls tasks/get, answers questions with
// tasks/update and stops it with tasks/cancel. Without the extension the tool runs as any other
// (a `required` one is refused -32021). The task's handler gets its own context: its signal
// aborts on tasks/cancel, expiry or shutdown; its progress becomes the task's statusMessage; its
// questions make the task input_required until tasks/update answers them.
import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MethodHandler, Notification, RequestEnv } from '../dispatch.ts';
import { AppError, describeError, toToolErrorResult } from '../errors.ts';
import type { InputRequest } from '../input.ts';
import { ProtocolError, protocolError } from '../protocol-error.ts';
import type { AnyTool, HandlerContext } from '../server.ts';
import { switchable } from './context.ts';
import { type TaskQuestions, taskQuestions } from './questions.ts';
import { createMemoryTaskStore, type TaskError, type TaskRecord, type TaskStore } from './store.ts';
import {
  createTaskResult,
  declaresTasks,
  detailedTask,
  taskRequired,
  tasksNotDeclared,
  unknownTask,
} from './wire.ts';

export interface TaskOptions {
  /** Where tasks are kept (default: this process's memory, bounded by the two limits below). */
  store?: TaskStore;
  /** Most tasks kept at once by the memory store, any status (default 1000; MCP_MAX_TASKS). */
  maxTasks?: number;
  /** Most unfinished tasks per caller in the memory store (default 100; MCP_MAX_TASKS_PER_CALLER). */
  maxPerCaller?: number;
  /** How long a task (and its result) is kept from its creation (default 1 hour; MCP_TASK_TTL_MS). */
  ttlMs?: number;
  /** How often a client is told to poll (default 1000 ms). */
  pollIntervalMs?: number;
  now?: () => number;
  newId?: () => string;
}

/** How a task's progress is counted (metrics): created, then one terminal outcome each. */
export type TaskEvent = 'created' | 'completed' | 'failed' | 'cancelled' | 'expired';

export interface TaskEngine {
  /** tools/call of a tool that declares `task`: a CreateTaskResult, or the tool's result when no task was made. */
  callTool(
    tool: AnyTool,
    ctx: HandlerContext,
    env: RequestEnv,
    run: (ctx: HandlerContext) => Promise<CallToolResult>,
  ): Promise<unknown>;
  /** tasks/get, tasks/update, tasks/cancel (modern era only, methods.ts). */
  readonly methods: Array<[string, MethodHandler]>;
  /** Cancels every task still running (shutdown): their signals abort, tasks/get says cancelled. */
  stopAll(reason: string): Promise<void>;
}

interface Running {
  controller: AbortController;
  questions: TaskQuestions;
  timer: NodeJS.Timeout;
}

export function createTaskEngine(
  options: TaskOptions & {
    /** The context a handler sees for an environment (dispatch.ts `handlerContext`). */
    contextOf: (env: RequestEnv) => HandlerContext;
    observer?: { task?(event: TaskEvent): void } | undefined;
  },
): TaskEngine {
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => randomBytes(16).toString('base64url'));
  const ttlMs = options.ttlMs ?? 3_600_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const store =
    options.store ??
    createMemoryTaskStore({
      now,
      ...(options.maxTasks !== undefined && { maxTasks: options.maxTasks }),
      ...(options.maxPerCaller !== undefined && { maxPerCaller: options.maxPerCaller }),
    });
  const observe = (event: TaskEvent) => options.observer?.task?.(event);
  const running = new Map<string, Running>();

  /** Leaves the running set: its timer cleared, its questions refused. */
  const release = (taskId: string, reason: unknown) => {
    const entry = running.get(taskId);
    if (!entry) return undefined;
    running.delete(taskId);
    clearTimeout(entry.timer);
    entry.questions.abort(reason);
    return entry;
  };

  // a shared store: what other replicas were asked of a task running here (cancel, answers)
  store.onRelay?.((message) => {
    if (message.type === 'answer') {
      running
        .get(message.taskId)
        ?.questions.answer(message.inputResponses)
        .catch(() => {}); // the asking replica acknowledged already; a bad answer leaves the questions listed
      return;
    }
    const entry = release(message.taskId, new Error('cancelled by the client'));
    if (!entry) return;
    entry.controller.abort(new Error('cancelled by the client'));
    observe('cancelled');
  });

  /** Drops expired tasks, stopping the ones still running. */
  const purge = async () => {
    for (const taskId of await store.purgeExpired()) {
      const entry = release(taskId, new Error('the task expired'));
      if (!entry) continue;
      entry.controller.abort(new Error('the task expired'));
      observe('expired');
    }
  };

  const touch = (taskId: string, change: (record: TaskRecord) => TaskRecord) =>
    store.update(taskId, (record) => ({ ...change(record), lastUpdatedAt: now() }));

  /** A terminal state, unless the task already has one (a cancelled task stays cancelled). */
  async function settle(
    taskId: string,
    outcome: Pick<TaskRecord, 'status' | 'result' | 'error' | 'statusMessage'>,
  ) {
    const ran = release(taskId, new Error('the task ended'));
    const settled = await touch(taskId, (record) => {
      const {
        inputRequests: _questions,
        statusMessage: _message,
        result: _result,
        error: _error,
        ...rest
      } = record;
      return { ...rest, ...withoutUndefined(outcome) };
    });
    // counted where it ran (and was counted created), not on a replica that cancelled it
    if (settled && ran) observe(outcome.status as TaskEvent);
    return settled;
  }

  async function cancel(taskId: string, statusMessage: string) {
    const entry = running.get(taskId);
    const settled = await settle(taskId, { status: 'cancelled', statusMessage });
    entry?.controller.abort(new Error(statusMessage));
    // running on another replica (a shared store): it stops its handler when it hears this
    if (!entry && settled) await store.relay?.({ type: 'cancel', taskId });
  }

  /** Creates the task (bounded by the store) and the environment its handler runs in from now on. */
  async function begin(owner: string, env: RequestEnv): Promise<{ record: TaskRecord; env: RequestEnv }> {
    await purge();
    const at = now();
    const record: TaskRecord = {
      taskId: newId(),
      owner,
      status: 'working',
      createdAt: at,
      lastUpdatedAt: at,
      ttlMs,
      pollIntervalMs,
    };
    await store.create(record);
    const { taskId } = record;
    const controller = new AbortController();
    const questions = taskQuestions(env.modern?.clientCapabilities ?? {}, (pending) =>
      asking(taskId, pending),
    );
    // a running task stops at its TTL even if nobody polls it (unref: never keeps the process up)
    const timer = setTimeout(() => void purge(), ttlMs + 1).unref();
    running.set(taskId, { controller, questions, timer });
    observe('created');
    return {
      record,
      env: {
        requestId: env.requestId,
        signal: controller.signal,
        logger: env.logger,
        // progress has no request to go to: it becomes the task's statusMessage
        progressToken: taskId,
        notify: (notification) => progressed(taskId, notification),
        caller: env.caller,
        session: {},
        modern: env.modern,
        asker: questions.asker,
      },
    };
  }

  async function asking(taskId: string, pending: Record<string, InputRequest>) {
    const waiting = Object.keys(pending).length > 0;
    await touch(taskId, ({ inputRequests: _questions, ...record }) => ({
      ...record,
      status: waiting ? 'input_required' : 'working',
      ...(waiting && { inputRequests: pending }),
    }));
  }

  async function progressed(taskId: string, notification: Notification) {
    if (notification.method !== 'notifications/progress') return; // log messages have nowhere to go
    const { progress, total, message } = notification.params as {
      progress: number;
      total?: number;
      message?: string;
    };
    const statusMessage = message ?? (total === undefined ? `${progress}` : `${progress} of ${total}`);
    await touch(taskId, (record) => ({ ...record, statusMessage }));
  }

  function failure(error: unknown, env: RequestEnv): TaskError {
    if (error instanceof ProtocolError)
      return {
        code: error.code,
        message: error.message,
        ...(error.data !== undefined && { data: error.data }),
      };
    const { text } = describeError(error, { logger: env.logger });
    return { code: protocolError('InternalError', '').code, message: text };
  }

  async function callTool(
    tool: AnyTool,
    requestCtx: HandlerContext,
    env: RequestEnv,
    run: (ctx: HandlerContext) => Promise<CallToolResult>,
  ): Promise<unknown> {
    if (!declaresTasks(env)) {
      if (tool.task === 'required') throw taskRequired(tool.name);
      return run(requestCtx);
    }
    let current = requestCtx;
    let record: TaskRecord | undefined;
    let announce!: (result: Record<string, unknown>) => void;
    const created = new Promise<Record<string, unknown>>((resolve) => (announce = resolve));
    const startTask = async () => {
      if (record) return true;
      const begun = await begin(env.caller?.clientId ?? '', env);
      record = begun.record;
      current = options.contextOf(begun.env);
      announce(createTaskResult(record));
      return true;
    };
    const ctx = switchable(() => current, requestCtx, startTask);
    if (tool.taskStart !== 'in-handler') {
      try {
        await startTask();
      } catch (error) {
        // a bound reached: the caller is told as a tool error, as when the handler starts the task
        if (error instanceof AppError) return toToolErrorResult(error);
        throw error;
      }
    }
    const work = run(ctx);
    const first = await Promise.race([created, work]);
    if (!record) return first; // the handler finished before it started a task (or never did)
    const { taskId } = record;
    work
      .then(
        (result) => settle(taskId, { status: 'completed', result: result as Record<string, unknown> }),
        (error: unknown) => {
          const failed = failure(error, env);
          return settle(taskId, { status: 'failed', error: failed, statusMessage: failed.message });
        },
      )
      .catch((error: unknown) => env.logger.error({ err: error }, 'could not record the end of a task'));
    return created;
  }

  /** The caller's task named by `params.taskId`, after the extension check; -32602 when there is none. */
  async function find(method: string, params: Record<string, unknown>, env: RequestEnv) {
    if (!declaresTasks(env)) throw tasksNotDeclared(method);
    await purge();
    const record = await store.get(params.taskId as string, env.caller?.clientId ?? '');
    if (!record) throw unknownTask(params.taskId);
    return record;
  }

  return {
    callTool,
    methods: [
      ['tasks/get', async (params, _ctx, env) => detailedTask(await find('tasks/get', params, env))],
      [
        'tasks/update',
        async (params, _ctx, env) => {
          const record = await find('tasks/update', params, env);
          // answers to a task that is not waiting (or no longer runs here) are ignored, as unknown keys are
          const entry = running.get(record.taskId);
          const inputResponses = params.inputResponses as Record<string, unknown>;
          if (entry) await entry.questions.answer(inputResponses);
          // waiting on another replica (a shared store): that one checks and applies them
          else if (record.status === 'input_required')
            await store.relay?.({ type: 'answer', taskId: record.taskId, inputResponses });
          return {};
        },
      ],
      [
        'tasks/cancel',
        async (params, _ctx, env) => {
          const record = await find('tasks/cancel', params, env);
          await cancel(record.taskId, 'cancelled by the client');
          return {};
        },
      ],
    ],
    async stopAll(reason) {
      await Promise.all([...running.keys()].map((taskId) => cancel(taskId, reason)));
    },
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
