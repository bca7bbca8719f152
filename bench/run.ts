// `pnpm bench` (quick), `pnpm bench --full`, `pnpm bench <name> ...`: runs the benchmarks, prints
// a table each, and writes bench/results/latest.json and latest.md. Targets are ratios against
// baselines measured in the same run; nothing here is a timed test.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { clientCache } from './cache.ts';
import { stdioColdStart } from './cold-start.ts';
import { customerDbAtSize } from './customer-db.ts';
import { httpToolCalls } from './http.ts';
import { type Benchmark, type BenchResult, ROOT } from './lib.ts';
import { memory } from './memory.ts';
import { coreOverhead } from './overhead.ts';
import { scale } from './scale.ts';

const BENCHMARKS: Record<string, Benchmark> = {
  'cold-start': stdioColdStart,
  http: httpToolCalls,
  overhead: coreOverhead,
  cache: clientCache,
  'customer-db': customerDbAtSize,
  memory,
  scale,
};

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`usage: pnpm bench [--full] [${Object.keys(BENCHMARKS).join('|')} ...]`);
  process.exit(0);
}
const full = args.includes('--full');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !BENCHMARKS[n]);
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const selected = names.length ? names : Object.keys(BENCHMARKS);

const machine = {
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  date: new Date().toISOString(),
  mode: full ? 'full' : 'quick',
};

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

type Recorded = BenchResult & { machine: typeof machine; seconds: number };
const results: Recorded[] = [];
for (const name of selected) {
  const started = Date.now();
  process.stderr.write(`\n[${name}] starting\n`);
  const result = await (BENCHMARKS[name] as Benchmark)({
    full,
    progress: (text) => process.stderr.write(`[${name}] ${text}\n`),
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  results.push({ ...result, machine, seconds });
  console.log(`\n${result.title} (${seconds} s)\n${table(result.table)}`);
  for (const t of result.targets)
    console.log(`  target ${t.name}: ${t.wanted}: ${t.met ? 'MET' : 'NOT MET'} (${t.by})`);
}

// latest.* keep the last result of every benchmark: running one replaces only its own
const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const jsonFile = join(dir, 'latest.json');
const previous: Recorded[] = existsSync(jsonFile)
  ? ((JSON.parse(readFileSync(jsonFile, 'utf8')) as { results?: Recorded[] }).results ?? []).filter(
      (r) => r.machine,
    )
  : [];
const order = Object.keys(BENCHMARKS);
const all = [...previous.filter((p) => !results.some((r) => r.name === p.name)), ...results].sort(
  (a, b) => order.indexOf(a.name) - order.indexOf(b.name),
);
writeFileSync(jsonFile, `${JSON.stringify({ results: all }, null, 2)}\n`);
const md = [
  '# Benchmark results',
  '',
  'The last run of each benchmark (`pnpm bench [--full] [name ...]`); see bench/README.md.',
  '',
  ...all.flatMap((r) => [
    `## ${r.title}`,
    '',
    `${r.machine.date}, ${r.machine.mode} run, ${r.seconds} s; ${r.machine.cpus}, ${r.machine.memory}, Node ${r.machine.node}.`,
    '',
    `| ${(r.table[0] ?? []).join(' | ')} |`,
    `|${(r.table[0] ?? []).map(() => '---').join('|')}|`,
    ...r.table.slice(1).map((row) => `| ${row.join(' | ')} |`),
    '',
    ...r.targets.map((t) => `- target: ${t.name} ${t.wanted}: **${t.met ? 'met' : 'not met'}** (${t.by})`),
    '',
  ]),
].join('\n');
writeFileSync(join(dir, 'latest.md'), md);
console.log(`\nwrote bench/results/latest.json and latest.md`);
