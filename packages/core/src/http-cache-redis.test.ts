import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerAuth } from './http-auth.ts';
import { createHttpClient, type HttpClient } from './http-client.ts';
import { connectShared, type SharedRedis } from './shared.ts';
import { captureLogs, serviceUrl } from './testing.ts';

const REDIS = await serviceUrl('redis');
const closing: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A local upstream that counts what reaches it: users by id, PATCH changes one, /big is large. */
async function upstream(options: { delayMs?: number } = {}) {
  const hits: string[] = [];
  const emails = new Map<string, string>();
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  const server: Server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    hits.push(`${req.method} ${path} ${req.headers.authorization ?? ''}`);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (held && req.method === 'GET') await held;
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const id = /^\/users\/(\d+)$/.exec(path)?.[1];
      res.setHeader('content-type', 'application/json');
      if (path === '/big') return res.end(JSON.stringify({ blob: 'x'.repeat(10_000) }));
      if (!id) return res.writeHead(404).end('{}');
      if (req.method === 'PATCH') emails.set(id, JSON.parse(Buffer.concat(chunks).toString()).email);
      res.end(JSON.stringify({ id: Number(id), email: emails.get(id) ?? `user${id}@example.com` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(() => new Promise((resolve) => server.close(resolve)));
  const count = (what: string) => hits.filter((h) => h.startsWith(what)).length;
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    hits,
    count,
    /** GETs wait for their answer until the function returned is called. */
    hold() {
      held = new Promise((resolve) => (release = resolve));
      return () => {
        held = undefined;
        release?.();
      };
    },
  };
}

/** A replica's Redis connections, as runCli makes them. */
async function shared(url: string, prefix: string, logger = captureLogs().logger, commandTimeoutMs = 250) {
  const made = await connectShared(url, {
    logger,
    name: 'cache-test',
    prefix,
    commandTimeoutMs,
    consequence: 'caches go to the upstream',
  });
  closing.push(() => made.close());
  return made;
}

function client(
  baseUrl: string,
  redis: SharedRedis | undefined,
  extra: { ttlMs?: number; maxValueBytes?: number; waitMs?: number; token?: string } = {},
): HttpClient {
  return createHttpClient({
    baseUrl,
    retry: { limit: 0 },
    ...(extra.token && { auth: bearerAuth(extra.token) }),
    cache: {
      ttlMs: extra.ttlMs ?? 60_000,
      max: 100,
      ...(redis && {
        shared: {
          redis,
          namespace: 'test-api',
          ...(extra.maxValueBytes !== undefined && { maxValueBytes: extra.maxValueBytes }),
          ...(extra.waitMs !== undefined && { waitMs: extra.waitMs }),
        },
      }),
    },
  });
}

/** Every key under `prefix` in Redis. */
async function keysUnder(redis: SharedRedis, prefix: string): Promise<string[]> {
  return (await redis.link.client.keys(`${prefix}*`)) as string[];
}

describe.skipIf(!REDIS)('the GET cache with Redis behind it (replicas)', () => {
  const url = REDIS as string;
  const replicas = async (n: number, prefix = `test:${randomUUID()}:`) =>
    Promise.all(Array.from({ length: n }, () => shared(url, prefix)));

  it('sends 300 identical GETs spread over three replicas to the upstream once', async () => {
    const api = await upstream({ delayMs: 30 });
    const redis = await replicas(3);
    const clients = redis.map((r) => client(api.url, r));
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (clients[i % 3] as HttpClient).get('/users/7')),
    );
    expect(api.count('GET /users/7')).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ id: 7, email: 'user7@example.com' })]),
    );
    const stats = clients.map((c) => c.cacheStats());
    expect(stats.reduce((n, s) => n + (s?.upstream ?? 0), 0)).toBe(1);
    expect(stats.reduce((n, s) => n + (s?.l2Hits ?? 0), 0)).toBe(2); // one per other replica
    expect(stats.reduce((n, s) => n + (s?.l1Hits ?? 0), 0)).toBe(297);
  });

  it("drops every replica's cached GETs after a write through one, and a value read before the write is not kept", async () => {
    const api = await upstream();
    const prefix = `test:${randomUUID()}:`;
    const redis = await replicas(3, prefix);
    const [a, b, c] = redis.map((r) => client(api.url, r)) as [HttpClient, HttpClient, HttpClient];
    for (const replica of [a, b, c]) await replica.get('/users/1');
    await a.get('/users?page=2').catch(() => {}); // another key of the same resource (a 404, not cached)
    expect(api.count('GET /users/1')).toBe(1);

    await a.patch('/users/1', { body: { email: 'new@example.com' } });
    // B and C hear it on the bus and drop their own copies; Redis's copy is of an older generation
    await expect
      .poll(async () => ((await b.get('/users/1')) as { email: string }).email)
      .toBe('new@example.com');
    await expect
      .poll(async () => ((await c.get('/users/1')) as { email: string }).email)
      .toBe('new@example.com');
    expect(((await a.get('/users/1')) as { email: string }).email).toBe('new@example.com');
    // a new replica reads the new value from Redis, not the upstream
    const late = client(api.url, await shared(url, prefix));
    const before = api.count('GET /users/1');
    expect(await late.get('/users/1')).toEqual({ id: 1, email: 'new@example.com' });
    expect(api.count('GET /users/1')).toBe(before);
    // other resources are untouched
    await a.get('/other/1').catch(() => {});

    // a GET in flight when a write lands elsewhere is answered, but not kept in Redis
    const go = api.hold();
    const slow = b.get('/users/2');
    await expect.poll(() => api.count('GET /users/2')).toBe(1);
    await c.patch('/users/2', { body: { email: 'second@example.com' } });
    go();
    await slow;
    const fresh = client(api.url, await shared(url, prefix));
    expect(await fresh.get('/users/2')).toEqual({ id: 2, email: 'second@example.com' });
  });

  it('keeps no secret and no URL in Redis keys, and callers with other credentials never share an answer', async () => {
    const api = await upstream();
    const prefix = `test:${randomUUID()}:`;
    const [one, two] = await replicas(2, prefix);
    const alice = client(`${api.url}/?api_key=query-secret-123`, one, { token: 'bearer-secret-alice' });
    const bob = client(`${api.url}/?api_key=query-secret-123`, two, { token: 'bearer-secret-bob' });
    await alice.get('/users/3');
    await bob.get('/users/3');
    expect(api.count('GET /users/3')).toBe(2);
    const keys = await keysUnder(one as SharedRedis, prefix);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${prefix}cache:test-api:[gvl]:[A-Za-z0-9_-]{43}$`));
      expect(key).not.toMatch(/secret|users|127\.0\.0\.1/);
    }
  });

  it('keeps answers over the size bound out of Redis, and entries expire with the TTL', async () => {
    const api = await upstream();
    const prefix = `test:${randomUUID()}:`;
    const redis = await replicas(2, prefix);
    const [a, b] = redis.map((r) => client(api.url, r, { maxValueBytes: 1_000, ttlMs: 5_000 })) as [
      HttpClient,
      HttpClient,
    ];
    await a.get('/big');
    await b.get('/big');
    expect(api.count('GET /big')).toBe(2); // each replica asked: nothing to share
    expect(a.cacheStats()?.l2TooLarge).toBe(1);
    await a.get('/big');
    expect(api.count('GET /big')).toBe(2); // still cached in the process
    expect((await keysUnder(redis[0] as SharedRedis, `${prefix}cache:test-api:v:`)).length).toBe(0);

    await a.get('/users/4');
    const [valueKey] = await keysUnder(redis[0] as SharedRedis, `${prefix}cache:test-api:v:`);
    const pttl = await (redis[0] as SharedRedis).link.client.pttl(valueKey as string);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
  });

  it("goes to the upstream itself when another replica's request does not answer within the wait", async () => {
    const api = await upstream();
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = await replicas(2, prefix);
    const first = client(api.url, a, { waitMs: 60_000 });
    const second = client(api.url, b, { waitMs: 200 });
    const go = api.hold();
    const slow = first.get('/users/5'); // holds the key's lock while its upstream call hangs
    await expect.poll(() => api.count('GET /users/5')).toBe(1);
    const waited = second.get('/users/5');
    await expect.poll(() => second.cacheStats()?.waitsExpired).toBe(1);
    await expect.poll(() => api.count('GET /users/5')).toBe(2);
    go();
    expect(await waited).toEqual({ id: 5, email: 'user5@example.com' });
    expect(await slow).toEqual({ id: 5, email: 'user5@example.com' });
  });
});

describe('the GET cache when Redis cannot answer', () => {
  const sockets = new Set<Socket>();
  afterEach(() => {
    for (const socket of sockets) socket.destroy();
  });

  async function hungRedis(): Promise<string> {
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closing.push(() => new Promise((resolve) => silent.close(resolve)));
    return `redis://:pw-never-logged@127.0.0.1:${(silent.address() as { port: number }).port}`;
  }

  async function downRedis(): Promise<string> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return `redis://:pw-never-logged@127.0.0.1:${port}`;
  }

  for (const [what, address] of [
    ['down', downRedis],
    ['hung (never answers)', hungRedis],
  ] as const) {
    it(`goes straight to the upstream when Redis is ${what}, one request per key per process, and logs it once`, async () => {
      const api = await upstream();
      const logs = captureLogs();
      const redis = await shared(await address(), 'x:', logs.logger, 100);
      const replica = client(api.url, redis);
      const answers = await Promise.all(Array.from({ length: 20 }, () => replica.get('/users/9')));
      expect(answers.every((a) => (a as { id: number }).id === 9)).toBe(true);
      expect(api.count('GET /users/9')).toBe(1);
      await replica.patch('/users/9', { body: { email: 'w@example.com' } });
      expect(await replica.get('/users/9')).toEqual({ id: 9, email: 'w@example.com' });
      expect(replica.cacheStats()?.l2Failures).toBeGreaterThanOrEqual(2);
      const outages = logs.lines().filter((l) => String(l.msg).startsWith('redis unavailable'));
      expect(outages).toHaveLength(1);
      expect(JSON.stringify(logs.lines())).not.toContain('pw-never-logged');
    });
  }
});
