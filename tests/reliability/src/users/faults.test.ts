// The users MCP server, spawned, talking to a real users-api through a fault proxy: under each
// fault every tool answers a clear error in bounded time, only idempotent calls are retried
// (503 Retry-After honoured), the process stays up, and everything works again once the API is back.
import { join } from 'node:path';
import type { Client, SpawnedHttp } from '@mcp-stack/core/testing';
import { connectHttp } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultMode,
  type FaultOptions,
  type FaultProxy,
  startFaultProxy,
} from './fixtures/fault-proxy.ts';
import { FAULTS, faultRound, RETRIES, TIMEOUT_MS } from './fixtures/faults.ts';
import { isAlive, Processes, uniqueSuffix } from './fixtures/processes.ts';
import { data, textOf, timedCall, type User } from './fixtures/results.ts';

const API_KEY = 'faults-users-api-key-0123456789';
const processes = new Processes();
let api: SpawnedHttp;

const serverEnv = (proxy: FaultProxy) => ({
  USERS_API_URL: proxy.url,
  USERS_API_KEY: API_KEY,
  USERS_API_TIMEOUT_MS: String(TIMEOUT_MS),
  USERS_API_RETRIES: String(RETRIES),
  LOG_LEVEL: 'info',
});

beforeAll(async () => {
  const dir = processes.tempDir();
  api = await processes.usersApi({
    USERS_DB_PATH: join(dir, 'users.sqlite'),
    USERS_API_KEY: API_KEY,
    LOG_LEVEL: 'info', // spawnHttp waits for the info-level "listening" line
  });
}, 60_000);
afterAll(() => processes.cleanup(), 60_000);

describe('users MCP server over stdio, users-api faults', () => {
  let proxy: FaultProxy;
  let client: Client;
  let pid: number;
  beforeAll(async () => {
    proxy = await startFaultProxy(api.url);
    const stdio = await processes.usersMcpStdio(serverEnv(proxy));
    client = stdio.client;
    pid = stdio.pid;
  }, 60_000);
  afterAll(() => proxy?.close());

  const checkAlive = async () => {
    expect(isAlive(pid), 'the stdio server process is alive').toBe(true);
    await client.ping();
  };

  it.each(FAULTS)(
    '$name: every tool answers a clear error, then works again',
    async (fault) => {
      await faultRound(fault, { client, proxy, prefix: `s${uniqueSuffix()}`, checkAlive });
    },
    90_000,
  );

  it('10 identical get_user calls during a 503 share one request and its retries', async () => {
    await proxy.set('forward');
    const name = `c${uniqueSuffix()}`;
    const user = await data<User>(client, 'register_user', {
      username: name,
      email: `${name}@example.com`,
      password: 'a-fine-password-3',
    });
    proxy.clear();
    // Retry-After: 1 keeps the shared load open for 2 s, so all ten calls join it
    await proxy.set('unavailable503', { retryAfter: '1' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.callTool({ name: 'get_user', arguments: { user_id: user.id } }),
      ),
    );
    for (const result of results) {
      expect(textOf(result)).toMatch(
        /^UPSTREAM_ERROR: the users API is unavailable \(tried 3 times\) \(ref: [0-9a-f]{12}\)$/,
      );
    }
    expect(proxy.count('GET', `/users/${user.id}`)).toBe(RETRIES + 1);
    await proxy.set('forward');
    expect(await data(client, 'get_user', { user_id: user.id })).toEqual(user);
    await checkAlive();
  }, 60_000);
});

describe('users MCP server over HTTP, users-api faults', () => {
  let proxy: FaultProxy;
  let mcp: SpawnedHttp;
  let client: Client;
  beforeAll(async () => {
    proxy = await startFaultProxy(api.url);
    mcp = await processes.usersMcpHttp(serverEnv(proxy));
    client = (await connectHttp(mcp.url)).client;
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
  });

  const checkAlive = async () => {
    expect(mcp.child.exitCode, mcp.stderr()).toBeNull();
    expect((await fetch(new URL('/healthz', mcp.url))).status).toBe(200);
  };

  it('/readyz names users-api while it is down or failing, and is ready again after', async () => {
    const ready = () => fetch(new URL('/readyz', mcp.url));
    for (const mode of ['down', 'error500', 'reset'] as const) {
      await proxy.set(mode);
      const answer = await ready();
      expect(answer.status, mode).toBe(503);
      expect(JSON.stringify(await answer.json()), mode).toContain('users-api');
    }
    await proxy.set('forward');
    const answer = await ready();
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'ready', checks: { 'users-api': 'ok' } });
  }, 60_000);

  // a refusal, a reset and a bad body over HTTP: the stdio suite runs every fault, the long run all over HTTP
  it.each(FAULTS.filter((f) => ['down', 'reset', 'wrongShape'].includes(f.mode)))(
    '$name: every tool answers a clear error, then works again',
    async (fault) => {
      await faultRound(fault, { client, proxy, prefix: `h${uniqueSuffix()}`, checkAlive });
    },
    90_000,
  );
});

describe.runIf(process.env.MCP_STACK_SLOW_TESTS)('users-api flapping under load (long run)', () => {
  const ROUNDS = 60;
  const BATCH = 12;
  const MODES: Array<[FaultMode, FaultOptions?]> = [
    ['forward'],
    ['forward'],
    ['down'],
    ['slow', { slowMs: 30_000 }],
    ['stallBody', { slowMs: 30_000 }],
    ['error500'],
    ['unavailable503', { retryAfter: '1' }],
    ['unavailable503', { retryAfter: '3600' }],
    ['invalidJson'],
    ['wrongShape'],
    ['reset'],
  ];
  // the worst case of one call: 3 timed-out tries, backoff and two Retry-After waits, x10
  const BOUND_MS = 10 * (3 * TIMEOUT_MS + 600 + 2_000 + 500);
  const OUTCOME = /^(UPSTREAM_ERROR|UPSTREAM_TIMEOUT|NOT_FOUND|CONFLICT): /;

  it.each(['stdio', 'http'] as const)(
    'over %s: the fault changes every batch of calls; every call answers in bounds, POST and PATCH are never repeated, and all works after',
    async (transport) => {
      const proxy = await startFaultProxy(api.url);
      try {
        let client: Client;
        let alive: () => Promise<void>;
        if (transport === 'stdio') {
          const stdio = await processes.usersMcpStdio(serverEnv(proxy));
          client = stdio.client;
          alive = async () => {
            expect(isAlive(stdio.pid)).toBe(true);
            await client.ping();
          };
        } else {
          const mcp = await processes.usersMcpHttp(serverEnv(proxy));
          client = (await connectHttp(mcp.url)).client;
          alive = async () => {
            expect(mcp.child.exitCode, mcp.stderr()).toBeNull();
            expect((await fetch(new URL('/healthz', mcp.url))).status).toBe(200);
          };
        }
        const prefix = `f${uniqueSuffix()}`;
        const ids: number[] = [];
        for (let i = 0; i < 10; i++) {
          const user = await data<User>(client, 'register_user', {
            username: `${prefix}_${i}`,
            email: `${prefix}.${i}@example.com`,
            password: 'a-fine-password-4',
          });
          ids.push(user.id);
        }
        proxy.clear();
        let posts = 0;
        let patches = 0;
        let failures = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const [mode, options] = MODES[round % MODES.length] as [FaultMode, FaultOptions?];
          await proxy.set(mode, options);
          const calls = Array.from({ length: BATCH }, (_, k) => {
            const id = ids[(round + k) % ids.length] as number;
            switch (k % 5) {
              case 0:
                return { name: 'get_user', args: { user_id: id } };
              case 1:
                return { name: 'list_users', args: { query: prefix, limit: 5 } };
              case 2:
                patches++;
                return {
                  name: 'update_user',
                  args: { user_id: id, email: `${prefix}.${id}.${round}@example.com` },
                };
              case 3:
                posts++;
                return {
                  name: 'register_user',
                  args: {
                    username: `${prefix}_r${round}_${k}`,
                    email: `${prefix}.r${round}.${k}@example.com`,
                    password: 'a-fine-password-5',
                  },
                };
              default:
                return { name: 'get_user', args: { user_id: 999_999_999 } };
            }
          });
          const outcomes = await Promise.all(calls.map((call) => timedCall(client, call.name, call.args)));
          for (const [i, { result, ms }] of outcomes.entries()) {
            const label = `round ${round} (${mode}) ${calls[i]?.name}: ${textOf(result)}`;
            expect(ms, label).toBeLessThan(BOUND_MS);
            if (result.isError) {
              failures++;
              expect(textOf(result), label).toMatch(OUTCOME);
            }
          }
          await alive();
        }
        // never sent twice: at most one request per register and update call
        expect(proxy.seen.filter((r) => r.method === 'POST').length).toBeLessThanOrEqual(posts);
        expect(proxy.seen.filter((r) => r.method === 'PATCH').length).toBeLessThanOrEqual(patches);
        expect(failures).toBeGreaterThan(0);

        await proxy.set('forward');
        for (const id of ids) expect((await data<User>(client, 'get_user', { user_id: id })).id).toBe(id);
        const fresh = await data<User>(client, 'register_user', {
          username: `${prefix}_last`,
          email: `${prefix}.last@example.com`,
          password: 'a-fine-password-6',
        });
        expect(await data(client, 'delete_user', { user_id: fresh.id })).toEqual({
          id: fresh.id,
          deleted: true,
        });
        await alive();
        await client.close();
      } finally {
        await proxy.close();
      }
    },
    600_000,
  );
});
