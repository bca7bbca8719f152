// Core overhead: the same trivial tool with API-key auth, a rate limit high enough never to
// refuse, /metrics and info logging on, against all of them off. Both servers run at once and
// the load alternates between them round by round, so the machine's noise hits both alike.
import { join } from 'node:path';
import { type Benchmark, fmt, freePort, load, median, ROOT, startServer, stopServer } from './lib.ts';

const KEY = 'bench-secret-0123456789abcdef';

export const coreOverhead: Benchmark = async (ctx) => {
  const rounds = ctx.full ? 9 : 5;
  const seconds = ctx.full ? 6 : 4;
  const server = join(ROOT, 'bench/servers/core-random.ts');
  const modes = { off: 'plain', on: 'secure', jwt: 'jwt' } as const;
  const ports = { off: await freePort(), on: await freePort(), jwt: await freePort() };
  const children = await Promise.all(
    (Object.keys(modes) as Array<keyof typeof modes>).map((mode) =>
      startServer(
        ['--conditions=@mcp-stack/source', server, String(ports[mode]), modes[mode]],
        {},
        /listening/,
      ),
    ),
  );
  const jwtToken = /bench-token (\S+)/.exec(children[2]?.startupLog ?? '')?.[1] ?? '';
  const samples: Record<keyof typeof modes, number[]> = { off: [], on: [], jwt: [] };
  try {
    const headers = async (mode: keyof typeof modes) => {
      if (mode === 'jwt') return { authorization: `Bearer ${jwtToken}` };
      return { authorization: `Bearer ${KEY}` };
    };
    for (const mode of Object.keys(modes) as Array<keyof typeof modes>) {
      await load(`http://127.0.0.1:${ports[mode]}/mcp`, 2, { headers: await headers(mode) });
    }
    for (let round = 1; round <= rounds; round++) {
      // the order turns around every round (off on jwt, jwt on off, ...): whatever the machine
      // does to the first or last of a round falls on each configuration alike
      const order = Object.keys(modes) as Array<keyof typeof modes>;
      if (round % 2 === 0) order.reverse();
      for (const mode of order) {
        ctx.progress(`round ${round}/${rounds}: ${mode}`);
        const result = await load(`http://127.0.0.1:${ports[mode]}/mcp`, seconds, {
          headers: await headers(mode),
        });
        if (result.non2xx + result.errors > 0)
          throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        samples[mode].push(result.rps);
      }
    }
  } finally {
    await Promise.all(children.map(stopServer));
  }
  const off = median(samples.off);
  const on = median(samples.on);
  const jwt = median(samples.jwt);
  // the per-round ratio (both measured seconds apart) is steadier than the ratio of medians
  const ratios = samples.on.map((value, i) => value / (samples.off[i] as number));
  const ratio = median(ratios);
  return {
    name: 'overhead',
    title: `core overhead (median of ${rounds} interleaved ${seconds} s rounds, 32 connections)`,
    table: [
      ['configuration', 'req/s', 'vs all off'],
      ['all off (no auth, no rate limit, no metrics, silent logs)', fmt(off), '1.00x'],
      ['API-key auth, rate limit, metrics, info logs', fmt(on), `${fmt(ratio, 2)}x (per-round median)`],
      ['JWT auth (RS256, local key), rate limit, metrics, info logs', fmt(jwt), `${fmt(jwt / off, 2)}x`],
    ],
    targets: [
      {
        name: 'requests/s lost to auth, rate limit, metrics, logging',
        wanted: '<= 10%',
        met: ratio >= 0.9,
        by: `${fmt((1 - ratio) * 100, 1)}% fewer`,
      },
    ],
    figures: {
      off,
      on,
      jwt,
      ratio,
      ...Object.fromEntries(ratios.map((r, i) => [`ratio round ${i + 1}`, r])),
    },
  };
};
