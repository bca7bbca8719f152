// count_down as a task (Tasks extension), against the spawned demo bin over stdio and stateless
// HTTP. The SDK v2 client (2.4.0) has no tasks API: it sends a declared extension along, but
// cannot decode the CreateTaskResult that follows (UNSUPPORTED_RESULT_TYPE), so the task flow
// is driven with raw JSON-RPC: POSTs over fetch, and lines on the bin's stdin and stdout. Without
// the extension the SDK v2 client calls count_down as it always did, progress and all.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ClientV2, connectEra, type EraTarget, eraServers } from '@mcp-stack/core/testing/eras';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

type Json = Record<string, any>;
const TASKS = 'io.modelcontextprotocol/tasks';
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
};

const servers = eraServers(fileURLToPath(new URL('./bin.ts', import.meta.url)));
const children: ChildProcessWithoutNullStreams[] = [];
beforeAll(() => servers.start());
afterAll(() => servers.stop());
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

/** A request and its result (or its JSON-RPC error, thrown). */
type Rpc = (method: string, params: Json) => Promise<Json>;

function overHttp(): Rpc {
  let id = 0;
  return async (method, params) => {
    const name = params.name ?? params.taskId;
    const response = await fetch(servers.stateless.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        ...(name !== undefined && { 'mcp-name': name }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: { ...params, _meta: META } }),
    });
    const answer = (await response.json()) as Json;
    if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
    return answer.result;
  };
}

function overStdio(): Rpc {
  const child = spawn(process.execPath, servers.nodeArgs, { env: { ...process.env, LOG_LEVEL: 'error' } });
  children.push(child);
  const waiting = new Map<number, (message: Json) => void>();
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const message = JSON.parse(line) as Json;
      waiting.get(message.id)?.(message);
    }
  });
  let id = 0;
  return async (method, params) => {
    const mine = ++id;
    const answered = new Promise<Json>((resolve) => waiting.set(mine, resolve));
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: mine, method, params: { ...params, _meta: META } })}\n`,
    );
    const answer = await answered;
    if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
    return answer.result;
  };
}

const poll = { timeout: 15_000, interval: 50 };

describe.each([
  ['stdio', overStdio],
  ['stateless HTTP', overHttp],
])('count_down as a task over %s (raw JSON-RPC, tasks extension declared)', (_name, connect) => {
  it('answers a task at once, shows each step in statusMessage, and completes with its data', async () => {
    const rpc = connect();
    const discovered = await rpc('server/discover', {});
    expect(discovered.capabilities.extensions).toEqual({ [TASKS]: {} });
    const created = await rpc('tools/call', {
      name: 'count_down',
      arguments: { steps: 3, interval_ms: 1_000 },
    });
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 3_600_000 });
    // each step's progress is the task's statusMessage while it waits for the next one
    const { taskId } = created;
    await vi.waitFor(
      async () =>
        expect(await rpc('tasks/get', { taskId })).toMatchObject({
          status: 'working',
          statusMessage: '2 to go',
        }),
      poll,
    );
    await vi.waitFor(async () => expect((await rpc('tasks/get', { taskId })).status).toBe('completed'), poll);
    const done = await rpc('tasks/get', { taskId: created.taskId });
    expect(done.result.structuredContent).toEqual({ steps: 3, completed: true });
  });

  it('stops on tasks/cancel: acked, then cancelled, and no result', async () => {
    const rpc = connect();
    const { taskId } = await rpc('tools/call', {
      name: 'count_down',
      arguments: { steps: 100, interval_ms: 1_000 },
    });
    await vi.waitFor(
      async () => expect(await rpc('tasks/get', { taskId })).toMatchObject({ statusMessage: '100 to go' }),
      poll,
    );
    expect(await rpc('tasks/cancel', { taskId })).toMatchObject({ resultType: 'complete' });
    const cancelled = await rpc('tasks/get', { taskId });
    expect(cancelled).toMatchObject({ status: 'cancelled', statusMessage: 'cancelled by the client' });
    expect(cancelled).not.toHaveProperty('result');
    // another caller's view and an unknown id look alike: -32602
    await expect(rpc('tasks/get', { taskId: 'not-a-task' })).rejects.toMatchObject({ code: -32602 });
  });
});

describe('count_down with the SDK v2 client', () => {
  it.each([
    ['stdio', () => servers.targets[0]?.[1]()],
    ['stateless HTTP', () => servers.targets[1]?.[1]()],
  ])(
    'runs as before over %s when the client does not declare tasks, progress and all',
    async (_name, target) => {
      const connected = await connectEra(target() as EraTarget, 'auto');
      try {
        expect(connected.version).toBe('2026-07-28');
        const progress: number[] = [];
        const result = await connected.client.callTool(
          { name: 'count_down', arguments: { steps: 3, interval_ms: 100 } },
          { onprogress: ({ progress: step }) => void progress.push(step) },
        );
        expect(result.structuredContent).toEqual({ steps: 3, completed: true });
        expect(progress).toEqual([1, 2, 3]);
      } finally {
        await connected.close();
      }
    },
  );

  it('cannot take the task it asks for when it declares the extension (2.4.0 has no tasks API)', async () => {
    const client = new ClientV2(
      { name: 'tasks-e2e', version: '0.0.0' },
      {
        capabilities: { extensions: { [TASKS]: {} } } as never,
        versionNegotiation: { mode: { pin: '2026-07-28' } as never },
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(servers.stateless.url)));
    try {
      await expect(
        client.callTool({ name: 'count_down', arguments: { steps: 1, interval_ms: 0 } }),
      ).rejects.toMatchObject({ code: 'UNSUPPORTED_RESULT_TYPE', data: { resultType: 'task' } });
    } finally {
      await client.close();
    }
  });
});
