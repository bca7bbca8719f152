// The Tasks extension's store in Redis: any replica answers for a task, the bounds hold for all
// the replicas together, and a cancellation made on one replica stops the handler on another.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { defineServer, defineTool } from '../server.ts';
import { connectShared, type SharedRedis } from '../shared.ts';
import { captureLogs, serveForTest, serviceUrl } from '../testing.ts';
import type { TaskRecord } from './store.ts';
import { createRedisTaskStore, type RedisTaskStoreOptions } from './store-redis.ts';
import { TASKS_EXTENSION } from './wire.ts';

type Json = Record<string, any>;

const REDIS = await serviceUrl('redis');
const closing: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function replica(prefix: string): Promise<SharedRedis> {
  const redis = await connectShared(REDIS as string, {
    logger: captureLogs().logger,
    name: 'tasks-test',
    prefix,
    commandTimeoutMs: 250,
    consequence: 'tasks are unavailable',
  });
  closing.push(() => redis.close());
  return redis;
}

function record(owner: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  const at = Date.now();
  return {
    taskId: randomUUID(),
    owner,
    status: 'working',
    createdAt: at,
    lastUpdatedAt: at,
    ttlMs: 60_000,
    pollIntervalMs: 1_000,
    ...overrides,
  };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppError ? `${error.code}: ${error.message}` : String(error)),
  );

describe.skipIf(!REDIS)('the task store in Redis', () => {
  const stores = async (n: number, options: Partial<RedisTaskStoreOptions> = {}) => {
    const prefix = `test:${randomUUID()}:`;
    return Promise.all(
      Array.from({ length: n }, async () =>
        createRedisTaskStore({ redis: await replica(prefix), server: 'fixture', ...options }),
      ),
    );
  };

  it("answers a task from any replica, to its owner only, and keeps a terminal task's result", async () => {
    const [a, b] = await stores(2);
    const task = record('alice');
    await a?.create(task);
    expect(await b?.get(task.taskId, 'alice')).toEqual(task);
    expect(await b?.get(task.taskId, 'mallory')).toBeUndefined();
    expect(await b?.get('no-such-task', 'alice')).toBeUndefined();
    const done = await b?.update(task.taskId, (r) => ({ ...r, status: 'completed', result: { ok: 1 } }));
    expect(done).toMatchObject({ status: 'completed', result: { ok: 1 } });
    expect(await a?.get(task.taskId, 'alice')).toMatchObject({ status: 'completed', result: { ok: 1 } });
    // a terminal task never changes again
    expect(await a?.update(task.taskId, (r) => ({ ...r, status: 'failed' }))).toBeUndefined();
    expect((await b?.get(task.taskId, 'alice'))?.status).toBe('completed');
  });

  it('holds MCP_MAX_TASKS and MCP_MAX_TASKS_PER_CALLER for all the replicas together', async () => {
    const [a, b] = await stores(2, { maxTasks: 4, maxPerCaller: 2 });
    const first = record('carol');
    await a?.create(first);
    await b?.create(record('carol'));
    expect(await refusal(a?.create(record('carol')) as Promise<void>)).toMatch(
      /^RATE_LIMITED: you have 2 unfinished tasks/,
    );
    // a finished task frees its caller's place (it still counts against the total until its TTL)
    await b?.update(first.taskId, (r) => ({ ...r, status: 'completed' }));
    await a?.create(record('carol'));
    await b?.create(record('dave'));
    expect(await refusal(a?.create(record('erin')) as Promise<void>)).toMatch(
      /^UNAVAILABLE: this server already keeps 4 tasks \(MCP_MAX_TASKS, all replicas together\)/,
    );
  });

  it('lets Redis forget a task at its TTL, and tells only the replica that created it to stop it', async () => {
    let now = Date.now();
    const prefix = `test:${randomUUID()}:`;
    const redis = await replica(prefix);
    const a = createRedisTaskStore({ redis, server: 'fixture', now: () => now });
    const b = createRedisTaskStore({ redis: await replica(prefix), server: 'fixture', now: () => now });
    const task = record('frank', { createdAt: now, ttlMs: 5_000 });
    await a.create(task);
    const pttl = await redis.link.client.pttl(`${prefix}tasks:fixture:t:${task.taskId}`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    now += 5_000;
    expect(await b.get(task.taskId, 'frank')).toBeUndefined();
    expect(await b.purgeExpired()).toEqual([]);
    expect(await a.purgeExpired()).toEqual([task.taskId]);
    expect(await a.purgeExpired()).toEqual([]);
  });

  it('loses no change when replicas change one task at once', async () => {
    const [a, b] = await stores(2);
    const task = record('grace', { statusMessage: '0' });
    await a?.create(task);
    const bump = (r: TaskRecord) => ({ ...r, statusMessage: String(Number(r.statusMessage) + 1) });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => ((i % 2 ? a : b) as typeof a)?.update(task.taskId, bump)),
    );
    expect((await a?.get(task.taskId, 'grace'))?.statusMessage).toBe('20');
  });
});

function waitingServer(signals: AbortSignal[]) {
  return defineServer({
    name: 'tasks-redis',
    version: '1.0.0',
    tools: [
      defineTool({
        name: 'wait',
        description: 'waits until cancelled',
        input: {},
        task: 'optional',
        handler: async (_args, ctx) => {
          signals.push(ctx.signal);
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
          return 'stopped';
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
    ],
  });
}

async function post(url: string, method: string, params: Json, name?: string): Promise<Json> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(name !== undefined && { 'mcp-name': name }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {
            extensions: { [TASKS_EXTENSION]: {} },
            elicitation: {},
          },
        },
      },
    }),
  });
  return (await response.json()) as Json;
}

describe.skipIf(!REDIS)('tasks over HTTP on two replicas sharing Redis', () => {
  it('polls a task on the other replica, and tasks/cancel there stops the handler where it runs', async () => {
    const prefix = `test:${randomUUID()}:`;
    const signals: AbortSignal[] = [];
    const [a, b] = await Promise.all(
      [1, 2].map(async () => {
        const store = createRedisTaskStore({ redis: await replica(prefix), server: 'tasks-redis' });
        const served = await serveForTest(waitingServer(signals), { tasks: { store } });
        closing.push(() => served.close());
        return served;
      }),
    );
    const created = await post(a?.url as string, 'tools/call', { name: 'wait', arguments: {} }, 'wait');
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    const { taskId } = created.result;
    expect((await post(b?.url as string, 'tasks/get', { taskId }, taskId)).result).toMatchObject({
      taskId,
      status: 'working',
    });

    expect((await post(b?.url as string, 'tasks/cancel', { taskId }, taskId)).result).toMatchObject({
      resultType: 'complete',
    });
    await expect.poll(() => signals[0]?.aborted).toBe(true);
    expect((await post(a?.url as string, 'tasks/get', { taskId }, taskId)).result).toMatchObject({
      status: 'cancelled',
      statusMessage: 'cancelled by the client',
    });
    // counted where it ran: created and cancelled on A, nothing open anywhere
    const metricsA = await (await fetch(`${a?.ops}/metrics`)).text();
    const metricsB = await (await fetch(`${b?.ops}/metrics`)).text();
    expect(metricsA).toMatch(/^mcp_tasks_finished_total\{status="cancelled"\} 1$/m);
    expect(metricsA).toMatch(/^mcp_tasks_open 0$/m);
    expect(metricsB).toMatch(/^mcp_tasks_open 0$/m);

    // a question asked by a task on A is answered through B: A's handler gets the answer
    const asking = await post(a?.url as string, 'tools/call', { name: 'confirm', arguments: {} }, 'confirm');
    const asked = asking.result.taskId as string;
    await expect
      .poll(async () => (await post(b?.url as string, 'tasks/get', { taskId: asked }, asked)).result.status)
      .toBe('input_required');
    const answered = await post(
      b?.url as string,
      'tasks/update',
      { taskId: asked, inputResponses: { ok: { action: 'accept', content: { ok: true } } } },
      asked,
    );
    expect(answered.error).toBeUndefined();
    await expect
      .poll(async () => (await post(b?.url as string, 'tasks/get', { taskId: asked }, asked)).result)
      .toMatchObject({ status: 'completed', result: { content: [{ text: 'ok=true' }] } });
  });
});

describe('tasks in Redis when Redis is down', () => {
  it('answers an error at once, never hangs, and never shows the password', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const logs = captureLogs();
    const redis = await connectShared(`redis://:pw-tasks-secret@127.0.0.1:${port}`, {
      logger: logs.logger,
      name: 'tasks-test',
      prefix: 'x:',
      commandTimeoutMs: 100,
      consequence: 'tasks are unavailable',
    });
    closing.push(() => redis.close());
    const store = createRedisTaskStore({ redis, server: 'tasks-redis' });
    const served = await serveForTest(waitingServer([]), { tasks: { store } });
    closing.push(() => served.close());
    const started = await post(served.url, 'tools/call', { name: 'wait', arguments: {} }, 'wait');
    expect(started.error?.code).toBe(-32603);
    const polled = await post(served.url, 'tasks/get', { taskId: 'abc' }, 'abc');
    expect(polled.error?.code).toBe(-32603);
    expect(JSON.stringify([started, polled, logs.lines()])).not.toContain('pw-tasks-secret');
  });
});
