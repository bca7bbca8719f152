// Scale-out: what sharing costs and what replicas give, on this machine.
// 1. The rate limiter's buckets in Redis against in memory: the same trivial tool, only the rate
//    limit on (never refusing), interleaved rounds (target: at most 15% fewer requests/s).
// 2. One server direct, one behind HAProxy, and three behind HAProxy (`pnpm start --replicas`'s
//    configuration): reported, no target (this machine has 2 cores, shared by the load generator).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haproxyConfig, haproxyPath } from '../scripts/stack/haproxy.ts';
import { type Benchmark, fmt, freePort, load, median, ROOT, startServer, stopServer } from './lib.ts';

const SERVER = join(ROOT, 'bench/servers/core-random.ts');
const start = async (port: number, mode: string, allowedHosts: number[] = []) =>
  startServer(
    ['--conditions=@mcp-stack/source', SERVER, String(port), mode],
    { MCP_ALLOWED_HOSTS: [port, ...allowedHosts].map((p) => `127.0.0.1:${p}`).join(',') },
    /listening/,
  );

export const scale: Benchmark = async (ctx) => {
  const rounds = ctx.full ? 7 : 5;
  const seconds = ctx.full ? 6 : 4;
  const haproxy = haproxyPath();
  if (!haproxy) throw new Error('scale needs HAProxy on PATH (Debian: apt-get install haproxy)');

  // 1. memory against Redis buckets
  const limitPorts = { memory: await freePort(), redis: await freePort() };
  const limiters = await Promise.all([
    start(limitPorts.memory, 'limit'),
    start(limitPorts.redis, 'redis-limit'),
  ]);
  const limited: Record<'memory' | 'redis', number[]> = { memory: [], redis: [] };
  try {
    for (const kind of ['memory', 'redis'] as const)
      await load(`http://127.0.0.1:${limitPorts[kind]}/mcp`, 2);
    for (let round = 1; round <= rounds; round++) {
      const order: Array<'memory' | 'redis'> = round % 2 ? ['memory', 'redis'] : ['redis', 'memory'];
      for (const kind of order) {
        ctx.progress(`limiter round ${round}/${rounds}: ${kind}`);
        const result = await load(`http://127.0.0.1:${limitPorts[kind]}/mcp`, seconds);
        if (result.non2xx + result.errors > 0)
          throw new Error(`${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        limited[kind].push(result.rps);
      }
    }
  } finally {
    await Promise.all(limiters.map(stopServer));
  }
  const ratio = median(limited.redis.map((value, i) => value / (limited.memory[i] as number)));

  // 2. replicas behind HAProxy
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const replicaPorts = [await freePort(), await freePort(), await freePort()];
  const front = { one: await freePort(), three: await freePort() };
  const replicas = await Promise.all(
    replicaPorts.map((port) => start(port, 'plain', [front.one, front.three])),
  );
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    haproxyConfig([
      { name: 'one', port: front.one, replicas: replicaPorts.slice(0, 1) },
      { name: 'three', port: front.three, replicas: replicaPorts },
    ]),
  );
  const lb = await startHaproxy(haproxy, join(dir, 'haproxy.cfg'), [
    `http://127.0.0.1:${front.one}/healthz`,
    `http://127.0.0.1:${front.three}/healthz`,
  ]);
  const served: Record<'direct' | 'one' | 'three', number[]> = { direct: [], one: [], three: [] };
  const urls = {
    direct: `http://127.0.0.1:${replicaPorts[0]}/mcp`,
    one: `http://127.0.0.1:${front.one}/mcp`,
    three: `http://127.0.0.1:${front.three}/mcp`,
  };
  try {
    for (const kind of ['direct', 'one', 'three'] as const) await load(urls[kind], 2);
    for (let round = 1; round <= rounds; round++) {
      for (const kind of ['direct', 'one', 'three'] as const) {
        ctx.progress(`replicas round ${round}/${rounds}: ${kind}`);
        const result = await load(urls[kind], seconds);
        if (result.non2xx + result.errors > 0)
          throw new Error(`${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        served[kind].push(result.rps);
      }
    }
  } finally {
    await stopServer(lb);
    await Promise.all(replicas.map(stopServer));
    rmSync(dir, { recursive: true, force: true });
  }
  const direct = median(served.direct);
  return {
    name: 'scale',
    title: `scale-out (median of ${rounds} interleaved ${seconds} s rounds, 32 connections, ${
      ctx.full ? 'full' : 'quick'
    })`,
    table: [
      ['configuration', 'req/s', 'ratio'],
      ['rate limit, buckets in memory', fmt(median(limited.memory)), '1.00x'],
      [
        'rate limit, buckets in Redis (leases of up to 50 tokens)',
        fmt(median(limited.redis)),
        `${fmt(ratio, 2)}x (per-round median)`,
      ],
      ['one server, direct', fmt(direct), '1.00x'],
      ['one server behind HAProxy', fmt(median(served.one)), `${fmt(median(served.one) / direct, 2)}x`],
      [
        'three replicas behind HAProxy (2 cores, shared with the load)',
        fmt(median(served.three)),
        `${fmt(median(served.three) / direct, 2)}x`,
      ],
    ],
    targets: [
      {
        name: 'requests/s lost to Redis buckets against memory ones',
        wanted: '<= 15%',
        met: ratio >= 0.85,
        by: `${fmt((1 - ratio) * 100, 1)}% fewer`,
      },
    ],
    figures: {
      memoryLimit: median(limited.memory),
      redisLimit: median(limited.redis),
      ratio,
      direct,
      behindHaproxy: median(served.one),
      threeReplicas: median(served.three),
    },
  };
};

/** HAProxy in the foreground, once each of `urls` answers 200 through it. */
async function startHaproxy(binary: string, config: string, urls: string[]) {
  const child = spawn(binary, ['-f', config, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = performance.now() + 30_000;
  for (const url of urls) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${log}`);
      if (performance.now() > deadline) throw new Error(`haproxy did not serve ${url}:\n${log}`);
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return child;
}
