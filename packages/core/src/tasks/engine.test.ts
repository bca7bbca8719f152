// The Tasks extension through the tables, as a modern-era client drives it: what tools/call
// answers, what tasks/get shows at each step, what tasks/update and tasks/cancel do, the bounds,
// expiry (an injected clock, no sleeps), and that one caller never sees another's task.
import { describe, expect, it, vi } from 'vitest';
import { buildTables, type RequestEnv, type ServerTables } from '../dispatch.ts';
import { AppError } from '../errors.ts';
import { silentLogger } from '../logger.ts';
import { protocolError } from '../protocol-error.ts';
import { defineServer, defineTool } from '../server.ts';
import type { TaskEvent, TaskOptions } from './engine.ts';
import { TASKS_EXTENSION } from './wire.ts';

type Json = Record<string, any>;

/** A promise the test resolves: a tool waits on it instead of on time. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function setup(options: TaskOptions = {}) {
  let release = gate();
  const signals: AbortSignal[] = [];
  const events: TaskEvent[] = [];
  const waiters: Array<{ event: TaskEvent; resolve: () => void }> = [];
  const definition = defineServer({
    name: 'tasks-test',
    version: '1.0.0',
    tools: [
      defineTool({
        name: 'work',
        description: 'reports progress, then waits for the test to release it',
        input: {},
        task: 'optional',
        handler: async (_args, ctx) => {
          signals.push(ctx.signal);
          await ctx.progress(1, 2, 'halfway');
          await release.opened;
          return 'done';
        },
      }),
      defineTool({
        name: 'quick',
        description: 'answers at once',
        input: {},
        task: 'optional',
        handler: () => 'quick',
      }),
      defineTool({
        name: 'must',
        description: 'only as a task',
        input: {},
        task: 'required',
        handler: () => 'as a task',
      }),
      defineTool({
        name: 'tool_error',
        description: 'a tool error',
        input: {},
        task: 'optional',
        handler: () => {
          throw new AppError('NOT_FOUND', 'no such thing');
        },
      }),
      defineTool({
        name: 'crash',
        description: 'a protocol error',
        input: {},
        task: 'optional',
        handler: () => {
          throw protocolError('InternalError', 'the job crashed');
        },
      }),
      defineTool({
        name: 'confirm',
        description: 'asks, then answers',
        input: {},
        task: 'optional',
        handler: async (_args, ctx) => {
          const answer = await ctx.elicit('ok', {
            message: 'Go?',
            requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
          });
          return `ok=${String(answer.content?.ok)}`;
        },
      }),
      defineTool({
        name: 'ask_first',
        description: 'asks in the request, then becomes a task',
        input: {},
        task: 'required',
        taskStart: 'in-handler',
        handler: async (_args, ctx) => {
          const answer = await ctx.elicit('name', {
            message: 'Name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          });
          await ctx.startTask();
          await release.opened;
          return `hello ${String(answer.content?.name)}`;
        },
      }),
    ],
  });
  const tables = buildTables(definition, {
    tasks: options,
    observer: {
      request() {},
      toolCall() {},
      task(event) {
        events.push(event);
        for (const waiter of waiters.splice(0)) {
          if (waiter.event === event) waiter.resolve();
          else waiters.push(waiter);
        }
      },
    },
  });
  return {
    tables,
    signals,
    events,
    release: () => {
      release.open();
      release = gate();
    },
    /** Resolves when the next task ends with `event` (the engine tells the observer). */
    next: (event: TaskEvent) => new Promise<void>((resolve) => waiters.push({ event, resolve })),
  };
}

function env(options: { caller?: string; tasks?: boolean; modern?: boolean } = {}): RequestEnv {
  const capabilities = {
    elicitation: {},
    ...((options.tasks ?? true) && { extensions: { [TASKS_EXTENSION]: {} } }),
  };
  return {
    requestId: 1,
    signal: new AbortController().signal,
    logger: silentLogger(),
    session: {},
    ...(options.caller !== undefined && { caller: { clientId: options.caller, scopes: ['*'] } }),
    ...((options.modern ?? true) && { modern: { version: '2026-07-28', clientCapabilities: capabilities } }),
  };
}

const call = (tables: ServerTables, name: string, on = env(), extra: Json = {}) =>
  tables.handle('tools/call', { name, arguments: {}, ...extra }, on) as Promise<Json>;
const get = (tables: ServerTables, taskId: string, on = env()) =>
  tables.handle('tasks/get', { taskId }, on) as Promise<Json>;
const rpcError = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string; data?: Json };
  }
  throw new Error('expected a JSON-RPC error');
};

describe('a task tool called by a client that declared the tasks extension', () => {
  it('answers a CreateTaskResult at once, shows progress while working, and the result when completed', async () => {
    const { tables, release, next } = setup();
    const created = await call(tables, 'work');
    expect(created).toMatchObject({
      resultType: 'task',
      status: 'working',
      ttlMs: 3_600_000,
      pollIntervalMs: 1_000,
    });
    expect(created.taskId).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    expect(created).not.toHaveProperty('result');

    await vi.waitFor(async () =>
      expect(await get(tables, created.taskId)).toMatchObject({ statusMessage: 'halfway' }),
    );
    expect(await get(tables, created.taskId)).toMatchObject({ resultType: 'complete', status: 'working' });

    const completed = next('completed');
    release();
    await completed;
    const done = await get(tables, created.taskId);
    expect(done).toMatchObject({
      status: 'completed',
      result: { content: [{ type: 'text', text: 'done' }] },
    });
    expect(done).not.toHaveProperty('error');
  });

  it('reports a tool error as completed with isError, and a protocol error as failed with the error', async () => {
    const { tables, next } = setup();
    const completed = next('completed');
    const toolError = await call(tables, 'tool_error');
    await completed;
    expect(await get(tables, toolError.taskId)).toMatchObject({
      status: 'completed',
      result: { isError: true, content: [{ text: 'NOT_FOUND: no such thing' }] },
    });

    const failed = next('failed');
    const crash = await call(tables, 'crash');
    await failed;
    const task = await get(tables, crash.taskId);
    expect(task).toMatchObject({ status: 'failed', error: { code: -32603, message: 'the job crashed' } });
    expect(task).not.toHaveProperty('result');
  });

  it('tasks/cancel aborts the handler, acks with nothing of the task, and is idempotent', async () => {
    const { tables, signals, release } = setup();
    const { taskId } = await call(tables, 'work');
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    const ack = (await tables.handle('tasks/cancel', { taskId }, env())) as Json;
    expect(ack.resultType).toBe('complete');
    for (const field of ['taskId', 'status', 'result', 'error']) expect(ack).not.toHaveProperty(field);
    expect(signals[0]?.aborted).toBe(true);
    expect(await get(tables, taskId)).toMatchObject({
      status: 'cancelled',
      statusMessage: 'cancelled by the client',
    });
    // the handler finishing later does not undo it; a second cancel is the same ack
    release();
    expect(await tables.handle('tasks/cancel', { taskId }, env())).toMatchObject({ resultType: 'complete' });
    expect(await get(tables, taskId)).toMatchObject({ status: 'cancelled' });
  });

  it('asks through input_required: tasks/update answers, checked, and the task completes', async () => {
    const { tables, next } = setup();
    const { taskId } = await call(tables, 'confirm');
    await vi.waitFor(async () =>
      expect(await get(tables, taskId)).toMatchObject({ status: 'input_required' }),
    );
    const asking = await get(tables, taskId);
    expect(asking.inputRequests).toEqual({
      ok: {
        method: 'elicitation/create',
        params: expect.objectContaining({ message: 'Go?', mode: 'form' }),
      },
    });

    // an unknown key is ignored; a malformed answer is refused and changes nothing
    const update = (inputResponses: Json) => tables.handle('tasks/update', { taskId, inputResponses }, env());
    expect(await update({ nope: { action: 'accept' } })).toMatchObject({ resultType: 'complete' });
    const bad = await rpcError(update({ ok: { action: 'accept', content: { ok: 'yes' } } }));
    expect(bad.code).toBe(-32602);
    expect(bad.message).toContain('ok must be boolean');
    expect(await get(tables, taskId)).toMatchObject({ status: 'input_required' });

    const completed = next('completed');
    expect(await update({ ok: { action: 'accept', content: { ok: true } } })).toMatchObject({
      resultType: 'complete',
    });
    await completed;
    const done = await get(tables, taskId);
    expect(done).toMatchObject({ status: 'completed', result: { content: [{ text: 'ok=true' }] } });
    expect(done).not.toHaveProperty('inputRequests');
  });

  it('asks in the request first (input_required with requestState), then becomes a task (taskStart in-handler)', async () => {
    const { tables, release, next } = setup();
    const first = await call(tables, 'ask_first');
    expect(first).toMatchObject({
      resultType: 'input_required',
      inputRequests: { name: expect.any(Object) },
    });
    expect(first).not.toHaveProperty('taskId');
    const created = await call(tables, 'ask_first', env(), {
      inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } },
      requestState: first.requestState,
    });
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    expect(created).not.toHaveProperty('requestState');
    const completed = next('completed');
    release();
    await completed;
    expect(await get(tables, created.taskId)).toMatchObject({ result: { content: [{ text: 'hello Ada' }] } });
  });
});

describe('without the tasks extension', () => {
  it('runs a task tool as a plain call, and refuses a required one and the tasks methods with -32021', async () => {
    const { tables } = setup();
    const plain = await call(tables, 'quick', env({ tasks: false }));
    expect(plain).toMatchObject({ resultType: 'complete', content: [{ text: 'quick' }] });
    expect(plain).not.toHaveProperty('taskId');

    const required = await rpcError(call(tables, 'must', env({ tasks: false })));
    expect(required.code).toBe(-32021);
    expect(required.data).toEqual({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    // the legacy era cannot declare it either
    expect((await rpcError(call(tables, 'must', env({ modern: false })))).code).toBe(-32021);
    expect(await call(tables, 'quick', env({ modern: false }))).toMatchObject({
      content: [{ text: 'quick' }],
    });

    const { taskId } = await call(tables, 'quick');
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const refused = await rpcError(
        tables.handle(method, { taskId, inputResponses: {} }, env({ tasks: false })),
      );
      expect(refused.code).toBe(-32021);
    }
  });

  it('advertises the extension in server/discover only when the server has a task tool', async () => {
    const { tables } = setup();
    const discovered = (await tables.handle('server/discover', {}, env())) as Json;
    expect(discovered.capabilities.extensions).toEqual({ [TASKS_EXTENSION]: {} });
    const plain = buildTables(
      defineServer({
        name: 'plain',
        version: '1.0.0',
        tools: [defineTool({ name: 'hi', description: 'hi', input: {}, handler: () => 'hi' })],
      }),
    );
    expect(((await plain.handle('server/discover', {}, env())) as Json).capabilities).not.toHaveProperty(
      'extensions',
    );
    expect((await rpcError(plain.handle('tasks/get', { taskId: 'x' }, env()))).code).toBe(-32601);
  });
});

describe('task ids, callers and bounds', () => {
  it("answers -32602 for an unknown id, and for another caller's task exactly as for an unknown one", async () => {
    const { tables } = setup();
    const { taskId } = await call(tables, 'work', env({ caller: 'alice' }));
    const unknown = await rpcError(get(tables, 'no-such-task', env({ caller: 'bob' })));
    expect(unknown.code).toBe(-32602);
    for (const other of [env({ caller: 'bob' }), env()]) {
      const refused = await rpcError(get(tables, taskId, other));
      expect(refused.code).toBe(-32602);
      expect(refused.message).toBe(unknown.message.replace('"no-such-task"', JSON.stringify(taskId)));
      expect((await rpcError(tables.handle('tasks/cancel', { taskId }, other))).code).toBe(-32602);
    }
    expect(await get(tables, taskId, env({ caller: 'alice' }))).toMatchObject({ status: 'working' });
  });

  it('refuses a caller past its unfinished tasks, and the process past its tasks, with what to do', async () => {
    const { tables } = setup({ maxPerCaller: 2, maxTasks: 3 });
    const alice = env({ caller: 'alice' });
    const first = await call(tables, 'work', alice);
    await call(tables, 'work', alice);
    const refused = await call(tables, 'work', alice);
    expect(refused).toMatchObject({ isError: true, resultType: 'complete' });
    expect(refused.content[0].text).toMatch(
      /^RATE_LIMITED: you have 2 unfinished tasks.*MCP_MAX_TASKS_PER_CALLER.*tasks\/cancel/,
    );

    // another caller is not held back by alice; a cancelled task frees alice's place
    await call(tables, 'work', env({ caller: 'bob' }));
    await tables.handle('tasks/cancel', { taskId: first.taskId }, alice);
    const full = await call(tables, 'work', alice);
    expect(full.content[0].text).toMatch(/^UNAVAILABLE: this server already keeps 3 tasks \(MCP_MAX_TASKS\)/);
  });

  it('keeps a task for its ttlMs, then answers as unknown; a running one past it is stopped', async () => {
    let now = Date.parse('2026-07-28T00:00:00Z');
    const { tables, signals, release, next, events } = setup({ ttlMs: 60_000, now: () => now });
    const completed = next('completed');
    const finished = await call(tables, 'work');
    release();
    await completed;
    const running = await call(tables, 'work');
    await vi.waitFor(() => expect(signals).toHaveLength(2));

    now += 59_999;
    expect(await get(tables, finished.taskId)).toMatchObject({ status: 'completed' });
    now += 1;
    expect((await rpcError(get(tables, finished.taskId))).code).toBe(-32602);
    expect((await rpcError(get(tables, running.taskId))).code).toBe(-32602);
    expect(signals[1]?.aborted).toBe(true);
    expect(events).toEqual(['created', 'completed', 'created', 'expired']);
  });

  it('cancels the running tasks on shutdown', async () => {
    const { tables, signals } = setup();
    const { taskId } = await call(tables, 'work');
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    await tables.stopTasks('the server is shutting down');
    expect(signals[0]?.aborted).toBe(true);
    expect(await get(tables, taskId)).toMatchObject({
      status: 'cancelled',
      statusMessage: 'the server is shutting down',
    });
  });
});
