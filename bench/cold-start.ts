// stdio cold start: from spawn to the `initialize` result and to the first `tools/list` result,
// for each server's bin (built, default configuration, a fresh data folder) against the SDK stdio
// baseline. Runs alternate between them; medians and p99 over the runs after a warm-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Benchmark, fmt, median, percentile, ROOT } from './lib.ts';

const TARGETS: Record<string, string[]> = {
  'SDK stdio baseline': [join(ROOT, 'bench/baselines/sdk-stdio.mjs')],
  users: [join(ROOT, 'servers/users/dist/bin.js')],
  'customer-db': [join(ROOT, 'servers/customer-db/dist/bin.js')],
  demo: [join(ROOT, 'servers/demo/dist/bin.js')],
};

/** One cold start: ms from spawn to the initialize result, and to the tools/list result. */
function coldStart(args: string[], dataDir: string): Promise<{ init: number; list: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, MCP_STACK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let init = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: no answer in 30 s`));
    }, 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { id?: number };
      if (message.id === 1) {
        init = performance.now() - started;
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
      } else if (message.id === 2) {
        const list = performance.now() - started;
        clearTimeout(timer);
        child.stdin.end();
        child.kill('SIGTERM');
        resolve({ init, list });
      }
    });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`,
    );
  });
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
