// HTTP tool calls: generate_random_number on the demo bin (stateless, 32 connections, load from
// this process) against the SDK's own stateless pattern and the node:http ceiling. The three are
// measured in interleaved rounds, so a noisy neighbour weighs on all of them alike.
import { join } from 'node:path';
import { type Benchmark, fmt, freePort, load, median, ROOT, startServer, stopServer } from './lib.ts';

export const httpToolCalls: Benchmark = async (ctx) => {
  const rounds = ctx.full ? 5 : 3;
  const seconds = ctx.full ? 10 : 5;
  const ports = { demo: await freePort(), sdk: await freePort(), ceiling: await freePort() };
  const servers = {
    // the demo bin, default configuration but the rate limit, which would refuse a load test
    demo: await startServer(
      [join(ROOT, 'servers/demo/dist/bin.js'), '--http', '--port', String(ports.demo)],
      {
        MCP_RATE_LIMIT_RPS: '0',
        LOG_LEVEL: 'info',
      },
    ),
    sdk: await startServer([join(ROOT, 'bench/baselines/sdk-http.mjs'), String(ports.sdk)]),
    ceiling: await startServer([join(ROOT, 'bench/baselines/ceiling.mjs'), String(ports.ceiling)]),
  };
  const samples: Record<keyof typeof ports, Array<{ rps: number; p99: number; bad: number }>> = {
    demo: [],
    sdk: [],
    ceiling: [],
  };
  try {
    for (const name of Object.keys(ports) as Array<keyof typeof ports>) {
      await load(`http://127.0.0.1:${ports[name]}/mcp`, 2); // warm-up
    }
    for (let round = 1; round <= rounds; round++) {
      for (const name of Object.keys(ports) as Array<keyof typeof ports>) {
        ctx.progress(`round ${round}/${rounds}: ${name}`);
        const result = await load(`http://127.0.0.1:${ports[name]}/mcp`, seconds);
        samples[name].push({ rps: result.rps, p99: result.p99, bad: result.non2xx + result.errors });
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map(stopServer));
  }
  const summary = Object.fromEntries(
    Object.entries(samples).map(([name, runs]) => [
      name,
      {
        rps: median(runs.map((r) => r.rps)),
        p99: median(runs.map((r) => r.p99)),
        bad: runs.reduce((sum, r) => sum + r.bad, 0),
      },
    ]),
  ) as Record<keyof typeof ports, { rps: number; p99: number; bad: number }>;
  const ratio = summary.demo.rps / summary.sdk.rps;
  return {
    name: 'http',
    title: `HTTP tool calls (generate_random_number, 32 connections, median of ${rounds} interleaved ${seconds} s rounds)`,
    table: [
      ['server', 'req/s', 'p99 ms', 'non-2xx + errors', 'vs SDK'],
      [
        'demo bin (core fast path)',
        fmt(summary.demo.rps),
        fmt(summary.demo.p99),
        String(summary.demo.bad),
        `${fmt(ratio, 1)}x`,
      ],
      [
        'SDK stateless pattern (express)',
        fmt(summary.sdk.rps),
        fmt(summary.sdk.p99),
        String(summary.sdk.bad),
        '1.0x',
      ],
      [
        'ceiling (node:http, fixed answer)',
        fmt(summary.ceiling.rps),
        fmt(summary.ceiling.p99),
        String(summary.ceiling.bad),
        `${fmt(summary.ceiling.rps / summary.sdk.rps, 1)}x`,
      ],
    ],
    targets: [
      { name: 'demo req/s vs SDK baseline', wanted: '>= 4x', met: ratio >= 4, by: `${fmt(ratio, 1)}x` },
      {
        name: 'demo non-2xx and errors',
        wanted: '0',
        met: summary.demo.bad === 0,
        by: String(summary.demo.bad),
      },
    ],
    figures: {
      demoRps: summary.demo.rps,
      sdkRps: summary.sdk.rps,
      ceilingRps: summary.ceiling.rps,
      demoP99: summary.demo.p99,
      ratio,
    },
  };
};
