// `pnpm start --replicas 3`: each MCP server as three replicas behind a real HAProxy, sharing rate
// limits through a real Redis. Needs both (Debian: apt-get install haproxy redis-server); where one
// is missing the tests are skipped with the reason, except under CI, which installs HAProxy itself
// (.ci/run) and fails rather than skip.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceUrl } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyPath } from './stack/haproxy.ts';
import { freePort, isAlive, type StackRun, startStack, untilOutput } from './test-support.ts';

const REDIS = await serviceUrl('redis');
const HAPROXY = haproxyPath() !== undefined;
if (!HAPROXY) {
  const why = 'haproxy is not on PATH (Debian: apt-get install haproxy)';
  if (process.env.CI) throw new Error(`${why}: CI installs it in .ci/run`);
  process.stderr.write(`skipping the replica tests: ${why}\n`);
}

const KEY = 'replica-tests-key-0123456789abcdef';
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${KEY}`,
};

/** One stateless MCP call through the balancer: the HTTP status and the JSON-RPC answer, or the network error. */
async function call(url: string, method: string, params: unknown) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const text = await response.text();
    let body: {
      result?: { isError?: boolean; structuredContent?: Record<string, unknown> };
      error?: unknown;
    };
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: text.slice(0, 200) };
    }
    return { status: response.status, body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, body: { error: `${String(error)}: ${cause?.code ?? ''} ${cause?.message ?? ''}` } };
  }
}

/** A POST of `ping` from `localAddress` (a client address of its own on loopback); its status. */
function statusFrom(url: string, localAddress: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress, agent: false, headers: { ...HEADERS, authorization } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

const MODERN = '2026-07-28';

/** A modern `subscriptions/listen` held open on `url`: the notifications read from its stream so far. */
async function listen(url: string, notifications: Record<string, unknown>) {
  const stop = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 'listen-1',
      method: 'subscriptions/listen',
      params: {
        notifications,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
    signal: stop.signal,
  });
  expect(response.status).toBe(200);
  const messages: Array<{ method?: string; params?: Record<string, unknown> }> = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)));
    }
  })().catch(() => {}); // ends when the test closes the stream
  return {
    messages,
    /** The URIs of the `notifications/resources/updated` received. */
    updated: () =>
      messages.filter((m) => m.method === 'notifications/resources/updated').map((m) => m.params?.uri),
    async close() {
      stop.abort();
      await reading;
    },
  };
}

/** One modern (2026-07-28) request declaring the Tasks extension: the JSON-RPC answer. */
async function callWithTasks(url: string, method: string, params: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...HEADERS,
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      // the modern era mirrors the tool's name or the task's id in Mcp-Name
      'mcp-name': String(params.name ?? params.taskId),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': {
            extensions: { 'io.modelcontextprotocol/tasks': {} },
          },
        },
      },
    }),
  });
  return (await response.json()) as { result?: Record<string, unknown>; error?: unknown };
}

/** The replicas' own ports, from the HAProxy configuration the stack wrote in its data directory. */
async function replicaPorts(dataDir: string, name: string): Promise<number[]> {
  const config = await readFile(join(dataDir, 'haproxy.cfg'), 'utf8');
  return [...config.matchAll(new RegExp(`server ${name}\\d+ 127\\.0\\.0\\.1:(\\d+)`, 'g'))].map((m) =>
    Number(m[1]),
  );
}

const ok = (r: Awaited<ReturnType<typeof call>>) =>
  r.status === 200 && !r.body.error && !r.body.result?.isError;

/** Workers calling in a loop until stopped; every outcome is kept. */
function load(
  workers: number,
  next: (worker: number, i: number) => Promise<Awaited<ReturnType<typeof call>>>,
) {
  let running = true;
  const outcomes: Array<{ at: number; ok: boolean; what: string }> = [];
  const done = Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; running; i++) {
        const result = await next(worker, i);
        outcomes.push({ at: performance.now(), ok: ok(result), what: JSON.stringify(result).slice(0, 300) });
      }
    }),
  );
  return {
    outcomes,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe.skipIf(!REDIS || !HAPROXY)('pnpm start --replicas 3 (HAProxy, Redis)', () => {
  const runs: StackRun[] = [];
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-stack-replicas-'));
  });
  afterAll(async () => {
    for (const run of runs) await run.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function stack(only: string, env: Record<string, string>) {
    const port = await freePort();
    const variable = { demo: 'DEMO_MCP_PORT', users: 'USERS_MCP_PORT' }[only] ?? 'CUSTOMER_DB_MCP_PORT';
    const runDir = join(dataDir, randomUUID());
    const run = await startStack(['--replicas', '3', '--only', only], {
      [variable]: String(port),
      MCP_STACK_DATA_DIR: runDir,
      MCP_REDIS_URL: REDIS as string,
      // buckets of their own: other runs sharing this Redis keep apart
      MCP_REDIS_PREFIX: `test-${randomUUID()}:`,
      MCP_API_KEYS: `agent:${KEY}`,
      LOG_LEVEL: 'warn',
      ...env,
    });
    runs.push(run);
    const pids = [...run.output().matchAll(new RegExp(`${only}#(\\d) pid (\\d+)`, 'g'))].map((m) =>
      Number(m[2]),
    );
    expect(pids).toHaveLength(3);
    return { run, url: `http://127.0.0.1:${port}/mcp`, pids, replicas: await replicaPorts(runDir, only) };
  }

  it("holds a client's rate limit across the replicas: its burst once, not three times", async () => {
    const { url } = await stack('demo', { MCP_RATE_LIMIT_RPS: '0.1', MCP_RATE_LIMIT_BURST: '30' });
    const statuses: number[] = [];
    // 90 calls, 10 at a time, spread by HAProxy over the three replicas
    for (let batch = 0; batch < 9; batch++) {
      const results = await Promise.all(Array.from({ length: 10 }, () => call(url, 'tools/list', {})));
      statuses.push(...results.map((r) => r.status));
    }
    const allowed = statuses.filter((s) => s === 200).length;
    // the burst, plus what 0.1 tokens a second refilled meanwhile: within 10% of the limit
    expect(allowed).toBeGreaterThanOrEqual(30);
    expect(allowed).toBeLessThanOrEqual(33);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
  });

  it("limits callers without a key by their own address behind the balancer (its X-Forwarded-For), not by the balancer's", async () => {
    const { url } = await stack('demo', { MCP_RATE_LIMIT_RPS: '0.1', MCP_RATE_LIMIT_BURST: '10' });
    // two clients on addresses of their own; a wrong key counts against the caller's address
    const guess = (localAddress: string) => statusFrom(url, localAddress, 'Bearer not-a-key-0123456789');
    const first: number[] = [];
    for (let i = 0; i < 15; i++) first.push(await guess('127.0.0.2'));
    expect(first.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(first.slice(12)).toEqual([429, 429, 429]);
    // the other client behind the same balancer is not held back by the first one's guesses
    expect(await guess('127.0.0.3')).toBe(401);
  });

  it('answers tasks/get for a task on every replica, and tasks/cancel on another replica stops it', async () => {
    const { replicas } = await stack('demo', { MCP_RATE_LIMIT_RPS: '0' });
    const direct = (port: number | undefined) => `http://127.0.0.1:${port}/mcp`;
    // count_down as a task on replica 1: 100 steps of 5 s, so it runs until cancelled
    const created = await callWithTasks(direct(replicas[0]), 'tools/call', {
      name: 'count_down',
      arguments: { steps: 100, interval_ms: 5_000 },
    });
    expect(created.result, JSON.stringify(created)).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = created.result?.taskId as string;
    for (const port of replicas)
      expect((await callWithTasks(direct(port), 'tasks/get', { taskId })).result).toMatchObject({
        taskId,
        status: 'working',
      });
    // cancelled through replica 3; every replica then says so, replica 1 (where it ran) included
    expect((await callWithTasks(direct(replicas[2]), 'tasks/cancel', { taskId })).error).toBeUndefined();
    for (const port of replicas)
      expect((await callWithTasks(direct(port), 'tasks/get', { taskId })).result).toMatchObject({
        status: 'cancelled',
      });
    // the handler stopped where it ran: replica 1 counts the task cancelled and none open
    await expect
      .poll(async () => await (await fetch(`http://127.0.0.1:${replicas[0]}/metrics`)).text(), {
        timeout: 10_000,
      })
      .toMatch(/^mcp_tasks_finished_total\{status="cancelled"\} 1$/m);
    const metrics = await (await fetch(`http://127.0.0.1:${replicas[0]}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_tasks_open 0$/m);
  });

  it('sends 1,000 identical GETs of the users server, spread over three replicas, to users-api once', async () => {
    const { url, run, replicas } = await stack('users', {
      MCP_RATE_LIMIT_RPS: '0',
      USERS_API_PORT: String(await freePort()),
      // long enough for the whole run: this proves sharing, not expiry
      USERS_API_CACHE_TTL_MS: '600000',
      // users-api logs each request it serves at info: that log is the upstream's own count
      LOG_LEVEL: 'info',
    });
    const name = `replica${randomUUID().slice(0, 8)}`;
    const registered = await call(url, 'tools/call', {
      name: 'register_user',
      arguments: { username: name, email: `${name}@example.com`, password: 'a long enough password 1' },
    });
    expect(ok(registered), JSON.stringify(registered)).toBe(true);
    const id = Number(registered.body.result?.structuredContent?.id);
    // the runner shows users-api's log lines as `users-api │ info  request  method=GET path=/users/7 status=200 …`
    const upstreamGets = (userId: number) =>
      run
        .output()
        .split('\n')
        .filter((line) => new RegExp(`^users-api .*method=GET path=/users/${userId} `).test(line)).length;

    let sent = 0;
    const results: boolean[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (sent < 1_000) {
          sent++;
          results.push(ok(await call(url, 'tools/call', { name: 'get_user', arguments: { user_id: id } })));
        }
      }),
    );
    expect(results).toHaveLength(1_000);
    expect(results.every(Boolean)).toBe(true);
    // users-api logs in order: once a later request's line is there, every earlier one is too
    const marker = await call(url, 'tools/call', { name: 'get_user', arguments: { user_id: 1_000_000_000 } });
    expect(marker.body.result?.isError).toBe(true); // NOT_FOUND, asked of the API
    await expect.poll(() => upstreamGets(1_000_000_000), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(upstreamGets(id)).toBe(1);

    // each replica says where its answers came from: one from the upstream, the rest from Redis or memory
    const metric = async (port: number, series: string) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(new RegExp(`^${series} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    let upstream = 0;
    let fromRedis = 0;
    for (const port of replicas) {
      upstream += await metric(port, 'mcp_http_cache_upstream_total\\{cache="users-api"\\}');
      fromRedis += await metric(port, 'mcp_http_cache_hits_total\\{cache="users-api",level="l2"\\}');
    }
    expect(upstream).toBe(2); // the user, and the marker
    expect(fromRedis).toBeGreaterThanOrEqual(2); // the user on the two other replicas (and the marker's 404s are not cached)
  });

  describe('customer-db, three replicas over one database', () => {
    let url: string;
    let run: StackRun;
    let pids: number[];
    let replicas: number[];
    beforeAll(async () => {
      ({ url, run, pids, replicas } = await stack('customer-db', { MCP_RATE_LIMIT_RPS: '0' }));
    });

    it('tells a listener on one replica of a change written through another, once', async () => {
      expect(replicas).toHaveLength(3);
      const direct = (port: number | undefined) => `http://127.0.0.1:${port}/mcp`;
      // a listen held on replica 1, a legacy-free modern client
      const listener = await listen(direct(replicas[0]), {
        resourceSubscriptions: ['customer-db://customers/1234'],
      });
      try {
        await expect
          .poll(() => listener.messages[0]?.method, { timeout: 10_000 })
          .toBe('notifications/subscriptions/acknowledged');
        // update_customer on replica 2, then on replica 3: each reaches the listener on replica 1
        for (const [i, port] of [replicas[1], replicas[2]].entries()) {
          const written = await call(direct(port), 'tools/call', {
            name: 'update_customer',
            arguments: { customer_id: '1234', name: `Renamed ${i}` },
          });
          expect(ok(written), JSON.stringify(written)).toBe(true);
          await expect.poll(() => listener.updated().length, { timeout: 10_000 }).toBe(i + 1);
        }
        // a write through the balancer, wherever it lands (replica 1 included), is heard once too
        const viaBalancer = await call(url, 'tools/call', {
          name: 'update_customer',
          arguments: { customer_id: '1234', name: 'Renamed via HAProxy' },
        });
        expect(ok(viaBalancer)).toBe(true);
        await expect.poll(() => listener.updated().length, { timeout: 10_000 }).toBe(3);
        // a change to another customer is not sent; one more to 1234 is the only addition
        await call(direct(replicas[1]), 'tools/call', {
          name: 'update_customer',
          arguments: { customer_id: '1235', name: 'Not listened to' },
        });
        await call(direct(replicas[2]), 'tools/call', {
          name: 'update_customer',
          arguments: { customer_id: '1234', name: 'Last' },
        });
        await expect.poll(() => listener.updated().length, { timeout: 10_000 }).toBe(4);
        expect(listener.updated()).toEqual(Array(4).fill('customer-db://customers/1234'));
      } finally {
        await listener.close();
      }
    });

    it('restarts every replica one at a time under load (kill -USR2) and fails no request', async () => {
      const reads = load(4, () =>
        call(url, 'tools/call', { name: 'get_customer', arguments: { customer_id: '1234' } }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // some calls before the restart, none required
      const pid = /kill -USR2 (\d+)/.exec(run.output())?.[1];
      process.kill(Number(pid), 'SIGUSR2');
      await untilOutput(run.child, run.output, 'mcp-stack: rolling restart done');
      await reads.stop();
      const failed = reads.outcomes.filter((o) => !o.ok);
      expect(failed.map((o) => o.what)).toEqual([]);
      expect(reads.outcomes.length).toBeGreaterThan(20);
      // every replica is a new process
      const after = /rolling restart done: (.*)/.exec(run.output())?.[1] ?? '';
      const newPids = [...after.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      expect(newPids).toHaveLength(3);
      for (const old of pids) expect(newPids).not.toContain(old);
      pids = newPids;
    });

    it('loses no acknowledged write when a replica is killed under load; the balancer routes around it', async () => {
      const acknowledged: string[] = [];
      const writes = load(4, async (worker, i) => {
        const email = `w${worker}-${i}-${randomUUID().slice(0, 8)}@example.com`;
        const result = await call(url, 'tools/call', {
          name: 'create_customer',
          arguments: { name: `Writer ${worker}`, email },
        });
        if (ok(result)) acknowledged.push(String(result.body.result?.structuredContent?.id));
        return result;
      });
      // wait until writes flow, then kill one replica outright
      while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const victim = pids[1] as number;
      process.kill(victim, 'SIGKILL');
      const killedAt = performance.now();
      await untilOutput(run.child, run.output, 'exited (SIGKILL); starting it again');
      // and keep writing until 100 more were acknowledged after the kill
      const target = acknowledged.length + 100;
      while (acknowledged.length < target) await new Promise((resolve) => setTimeout(resolve, 20));
      await writes.stop();
      expect(isAlive(victim)).toBe(false);

      // only calls in flight on the killed replica may fail: at most one per worker
      const failedAfter = writes.outcomes.filter((o) => !o.ok && o.at >= killedAt);
      expect(failedAfter.length, failedAfter.map((o) => o.what).join('\n')).toBeLessThanOrEqual(4);
      expect(writes.outcomes.filter((o) => !o.ok && o.at < killedAt)).toEqual([]);
      // the last 50 calls all went through
      expect(writes.outcomes.slice(-50).every((o) => o.ok)).toBe(true);
      // every acknowledged write is there, read back through the balancer
      for (const id of acknowledged) {
        const read = await call(url, 'tools/call', { name: 'get_customer', arguments: { customer_id: id } });
        expect(ok(read), `customer ${id}: ${JSON.stringify(read)}`).toBe(true);
      }
    });
  });
});
