// Shared pieces of the benchmarks: spawning servers, load from autocannon, medians, targets.
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mcp-stack/core/testing';
import autocannon from 'autocannon';

export { freePort };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Target {
  name: string;
  /** Human text: `>= 4x the SDK baseline`. */
  wanted: string;
  met: boolean;
  /** How far from the line, as text: `5.2x` or `-12%`. */
  by: string;
}

export interface BenchResult {
  name: string;
  title: string;
  /** Table rows: the first row holds the column names. */
  table: string[][];
  targets: Target[];
  figures: Record<string, number>;
}

export interface BenchContext {
  full: boolean;
  progress(text: string): void;
}

export type Benchmark = (ctx: BenchContext) => Promise<BenchResult>;

/** Spawns a server and waits until `ready` appears on its stderr (or a line of `"msg":"listening"`). */
export async function startServer(
  args: string[],
  env: Record<string, string> = {},
  ready = /listening/,
): Promise<ChildProcess & { startupLog: string }> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let seen = '';
  let started = false;
  await new Promise<void>((done, fail) => {
    // a server that never says it is ready is ended, not left running after the bench
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${args.join(' ')} did not start:\n${seen}`));
    }, 30_000);
    const onExit = (code: number | null) =>
      fail(new Error(`${args.join(' ')} exited with ${code}:\n${seen}`));
    child.on('exit', onExit);
    // keeps reading after start-up too, so a chatty server never blocks on a full pipe
    child.stderr?.on('data', (chunk: Buffer) => {
      if (started) return;
      seen += chunk.toString();
      if (ready.test(seen)) {
        started = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        done();
      }
    });
  });
  return Object.assign(child, { startupLog: seen });
}

/**
 * Spawns a bin over stdio, sends `initialize`, then `tools/list`, and resolves once that is
 * answered: the process (still running: the caller stops it) and the ms from spawn to each answer.
 */
export function stdioHandshake(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcessWithoutNullStreams; init: number; list: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'ignore'],
    }) as unknown as ChildProcessWithoutNullStreams;
    let init = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: no tools/list answer in 30 s`));
    }, 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const { id } = JSON.parse(line) as { id?: number };
      if (id === 1) {
        init = performance.now() - started;
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
      } else if (id === 2) {
        clearTimeout(timer);
        resolve({ child, init, list: performance.now() - started });
      }
    });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`,
    );
  });
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The same call in the modern era (2026-07-28): its `_meta` and the headers that mirror the body. */
export const MODERN_TOOL_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'generate_random_number',
    arguments: { min_value: 1, max_value: 100 },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});
export const MODERN_HEADERS = {
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'generate_random_number',
};

export const TOOL_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'generate_random_number', arguments: { min_value: 1, max_value: 100 } },
});

export interface LoadResult {
  rps: number;
  /** Requests answered in all. */
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** POSTs `body` to `url` with `connections` connections for `seconds`, or `amount` requests. */
export async function load(
  url: string,
  seconds: number,
  options: { connections?: number; headers?: Record<string, string>; body?: string; amount?: number } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...options.headers,
    },
    body: options.body ?? TOOL_CALL,
    connections: options.connections ?? 32,
    ...(options.amount ? { amount: options.amount } : { duration: seconds }),
  });
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * CPU time (user + system) a process has used so far, in microseconds, from /proc (Linux; 10 ms
 * resolution); undefined elsewhere. A server's CPU per call does not count the load generator,
 * which shares the machine's cores.
 */
export function cpuMicros(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after the command name (in parentheses, which may hold anything): utime and stime in ticks
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined; // Linux's USER_HZ: 100 ticks a second
  } catch {
    return undefined;
  }
}

export function median(values: ReadonlyArray<number>): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: ReadonlyArray<number>, p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
