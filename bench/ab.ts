// What a change costs the hot path: the demo bin of this checkout against the demo bin of
// another built checkout of the project (a git worktree at an earlier commit), the same call on
// both, alternating rounds so a noisy neighbour weighs on both alike.
//
//   git worktree add --detach ../base <commit> && (cd ../base && pnpm install && pnpm build)
//   node --conditions=@mcp-stack/source bench/ab.ts ../base [rounds] [seconds]
//
// Prints req/s and p99 of each round, the medians, and the ratio (this / base) in the legacy
// era and in 2026-07-28. Not part of `pnpm bench`: it needs the second checkout.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  fmt,
  freePort,
  load,
  MODERN_HEADERS,
  MODERN_TOOL_CALL,
  median,
  ROOT,
  startServer,
  stopServer,
} from './lib.ts';

const [baseDir, roundsArg, secondsArg] = process.argv.slice(2);
if (!baseDir) {
  console.error('usage: bench/ab.ts <other checkout, built> [rounds=5] [seconds=5]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 5);
const seconds = Number(secondsArg ?? 5);
const bins = {
  this: join(ROOT, 'servers/demo/dist/bin.js'),
  base: join(resolve(baseDir), 'servers/demo/dist/bin.js'),
};
for (const [name, bin] of Object.entries(bins))
  if (!existsSync(bin)) throw new Error(`${name}: ${bin} is missing: build that checkout first`);

const servers: Array<{ name: string; child: Awaited<ReturnType<typeof startServer>>; url: string }> = [];
try {
  for (const [name, bin] of Object.entries(bins)) {
    const port = await freePort();
    const child = await startServer([bin, '--http', '--port', String(port)], {
      MCP_RATE_LIMIT_RPS: '0',
      // "listening" is logged at info; nothing is logged per call at info
      LOG_LEVEL: 'info',
      JOKE_API_URL: 'http://127.0.0.1:9',
    });
    servers.push({ name, child, url: `http://127.0.0.1:${port}/mcp` });
  }
} catch (error) {
  // one did not start: the other is not left running
  await Promise.all(servers.map((server) => stopServer(server.child)));
  throw error;
}
const results: Record<string, { legacy: number[]; modern: number[]; p99: number[] }> = {};
try {
  for (const server of servers) await load(server.url, 2); // warm-up
  for (let round = 0; round < rounds; round++) {
    // alternate which goes first
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const legacy = await load(server.url, seconds);
      const modern = await load(server.url, seconds, { body: MODERN_TOOL_CALL, headers: MODERN_HEADERS });
      if (legacy.non2xx || modern.non2xx || legacy.errors || modern.errors)
        throw new Error(`${server.name}: failed requests in round ${round + 1}`);
      const entry = results[server.name] ?? { legacy: [], modern: [], p99: [] };
      results[server.name] = entry;
      entry.legacy.push(legacy.rps);
      entry.modern.push(modern.rps);
      entry.p99.push(legacy.p99);
      console.error(
        `round ${round + 1} ${server.name}: legacy ${fmt(legacy.rps)} req/s (p99 ${legacy.p99} ms), modern ${fmt(modern.rps)} req/s`,
      );
    }
  }
} finally {
  await Promise.all(servers.map((server) => stopServer(server.child)));
}
const m = (name: string, era: 'legacy' | 'modern') => median(results[name]?.[era] ?? []);
console.log(`| build | legacy req/s (median of ${rounds}) | 2026-07-28 req/s | legacy p99 ms |`);
console.log('|---|---|---|---|');
for (const name of Object.keys(bins))
  console.log(
    `| ${name} | ${fmt(m(name, 'legacy'))} | ${fmt(m(name, 'modern'))} | ${fmt(median(results[name]?.p99 ?? []))} |`,
  );
console.log(
  `ratio this/base: legacy ${fmt(m('this', 'legacy') / m('base', 'legacy'), 3)}, 2026-07-28 ${fmt(m('this', 'modern') / m('base', 'modern'), 3)}`,
);
