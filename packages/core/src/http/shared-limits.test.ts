import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../redis.ts';
import { createFixtureServer } from '../test-fixtures/fixture-server.ts';
import { captureLogs, type ServedForTest, serveForTest, serviceUrl, spawnHttp } from '../testing.ts';

const REDIS = await serviceUrl('redis');
const FIXTURE_BIN = fileURLToPath(new URL('../test-fixtures/fixture-bin.ts', import.meta.url));
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(!REDIS)('replicas sharing Redis (MCP_REDIS_URL)', () => {
  it("hold one client's rate limit across replicas: the burst once, not once per replica", async () => {
    // a name of its own: the buckets of other runs (or of suites running beside this one) stay apart
    const definition = { ...createFixtureServer(), name: `fixture-${randomUUID()}` };
    const replicas: ServedForTest[] = [];
    for (let i = 0; i < 3; i++) {
      const redis = await connectRedis(REDIS as string, { logger: captureLogs().logger });
      const served = await serveForTest(definition, { rateLimit: { rps: 0.01, burst: 20 }, redis });
      stops.push(() => served.close());
      replicas.push(served);
    }
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const replica = replicas[i % replicas.length] as ServedForTest;
        const response = await fetch(replica.url, { method: 'POST', headers: HEADERS, body: LIST });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);

    const ready = await fetch(`${replicas[0]?.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.redis).toBe('ok');
    const metrics = await (await fetch(`${replicas[1]?.origin}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_redis_up 1$/m);
    expect(metrics).toMatch(/^mcp_rate_limited_total \d+$/m);
  });
});

describe('a server bin whose Redis is down', () => {
  for (const policy of ['allow', 'refuse'] as const) {
    it(`${policy === 'allow' ? 'fails open' : 'fails closed'} with MCP_RATE_LIMIT_WHEN_REDIS_DOWN=${policy}, says so once, never shows the password`, async () => {
      const server = await spawnHttp(process.execPath, [FIXTURE_BIN, '--http', '--port', '0'], {
        env: {
          MCP_REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${await deadPort()}`,
          MCP_RATE_LIMIT_WHEN_REDIS_DOWN: policy,
        },
      });
      stops.push(() => server.stop());
      // one after another: requests of one client in flight together share one ask of Redis (the
      // limiter's leases), so together they could count one failure, not three
      const responses: Response[] = [];
      for (let i = 0; i < 3; i++)
        responses.push(await fetch(server.url, { method: 'POST', headers: HEADERS, body: LIST }));
      const ready = await fetch(new URL('/readyz', server.url));
      const readiness = (await ready.json()) as { checks: Record<string, string> };
      if (policy === 'allow') {
        expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(ready.status).toBe(200);
        expect(readiness.checks.redis).toBe(
          'unavailable: serving, rate limits not enforced until it is back',
        );
      } else {
        expect(responses.map((r) => r.status)).toEqual([429, 429, 429]);
        expect(responses[0]?.headers.get('retry-after')).toBe('1');
        expect(ready.status).toBe(503);
        expect(readiness.checks.redis).toBe('unavailable: requests are refused until it is back');
      }
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      expect(metrics).toMatch(/^mcp_redis_up 0$/m);
      expect(metrics).toMatch(/^mcp_bus_listening 0$/m);
      expect(Number(/^mcp_redis_failures_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
      const outages = server
        .stderr()
        .split('\n')
        .filter((line) => line.includes('redis unavailable'));
      expect(outages).toHaveLength(1);
      // the bus's own connection says so once too, in its own words
      const busOutages = server
        .stderr()
        .split('\n')
        .filter((line) => line.includes('redis bus unavailable'));
      expect(busOutages).toHaveLength(1);
      expect(server.stderr()).not.toContain('hunter2');
    });
  }
});
