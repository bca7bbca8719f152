// stdio cold start: from spawn to the `initialize` result and to the first `tools/list` result,
// for each server's bin (built, default configuration, a fresh data folder) against the SDK stdio
// baseline. Runs alternate between them; medians and p99 over the runs after a warm-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Benchmark, fmt, median, percentile, ROOT, stdioHandshake } from './lib.ts';

const TARGETS: Record<string, string[]> = {
  'SDK stdio baseline': [join(ROOT, 'bench/baselines/sdk-stdio.mjs')],
  users: [join(ROOT, 'servers/users/dist/bin.js')],
  'customer-db': [join(ROOT, 'servers/customer-db/dist/bin.js')],
  demo: [join(ROOT, 'servers/demo/dist/bin.js')],
};

/** One cold start: ms from spawn to the initialize result, and to the tools/list result. */
async function coldStart(args: string[], dataDir: string): Promise<{ init: number; list: number }> {
  const { child, init, list } = await stdioHandshake(args, { MCP_STACK_DATA_DIR: dataDir });
  child.stdin.end();
  child.kill('SIGTERM');
  return { init, list };
}

export const stdioColdStart: Benchmark = async (ctx) => {
  const runs = ctx.full ? 20 : 8;
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-cold-'));
  const samples: Record<string, Array<{ init: number; list: number }>> = {};
  try {
    for (const args of Object.values(TARGETS)) await coldStart(args, dataDir); // warm-up (disk cache, seeded db)
    for (let run = 1; run <= runs; run++) {
      ctx.progress(`run ${run}/${runs}`);
      for (const [name, args] of Object.entries(TARGETS)) {
        const sample = await coldStart(args, dataDir);
        samples[name] = [...(samples[name] ?? []), sample];
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const baseline = median((samples['SDK stdio baseline'] ?? []).map((s) => s.list));
  const rows = Object.entries(samples).map(([name, s]) => {
    const list = median(s.map((x) => x.list));
    return {
      name,
      init: median(s.map((x) => x.init)),
      list,
      p99: percentile(
        s.map((x) => x.list),
        99,
      ),
      ratio: list / baseline,
    };
  });
  return {
    name: 'cold-start',
    title: `stdio cold start (spawn to tools/list; median and p99 of ${runs} alternating runs)`,
    table: [
      ['bin', 'initialize ms', 'tools/list ms', 'tools/list p99 ms', 'vs SDK baseline'],
      ...rows.map((r) => [r.name, fmt(r.init), fmt(r.list), fmt(r.p99), `${fmt(r.ratio, 2)}x`]),
    ],
    targets: rows
      .filter((r) => r.name !== 'SDK stdio baseline')
      .map((r) => ({
        name: `${r.name} cold start vs SDK baseline`,
        wanted: '<= 0.7x',
        met: r.ratio <= 0.7,
        by: `${fmt(r.ratio, 2)}x`,
      })),
    figures: Object.fromEntries(rows.map((r) => [r.name, r.list])),
  };
};
