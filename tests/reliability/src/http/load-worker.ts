// A load generator run as its own process (so it does not share an event loop with the server or
// the test): `connections` keep-alive connections, each sending the next tools/call as soon as
// its answer is in, until `total` calls are done. Every answer is checked (HTTP 200, the JSON-RPC
// id, no JSON-RPC error, no isError, the expected structuredContent). Prints one JSON report line.
//
//   node load-worker.ts '{"url":…,"tool":…,"args":{…},"expected":{…},"total":2000,"connections":64}'
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';

export interface LoadSpec {
  url: string;
  tool: string;
  args: Record<string, unknown>;
  expected: { equals: unknown } | { range: [number, number] };
  total: number;
  connections: number;
  headers?: Record<string, string>;
}

export interface LoadReport {
  calls: number;
  ok: number;
  errors: number;
  /** Up to 5 failures, described. */
  errorSamples: string[];
  statuses: Record<string, number>;
  durationMs: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Distinct sockets the answers came on: shows the connections were kept alive and used. */
  sockets: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const target = new URL(spec.url);
const latencies = new Float64Array(spec.total);
const statuses: Record<string, number> = {};
const errorSamples: string[] = [];
const sockets = new Set<unknown>();
let next = 0;
let ok = 0;
let errors = 0;

function fail(why: string): void {
  errors++;
  if (errorSamples.length < 5) errorSamples.push(why);
}

function check(id: number, status: number, text: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 200)}`;
  let message: { id?: unknown; error?: unknown; result?: { isError?: boolean; structuredContent?: unknown } };
  try {
    message = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  if (message.id !== id) return `answer for id ${String(message.id)} on the request with id ${id}`;
  if (message.error) return `JSON-RPC error: ${JSON.stringify(message.error)}`;
  const result = message.result;
  if (!result || result.isError) return `tool error: ${JSON.stringify(result)}`;
  const expected = spec.expected;
  if ('equals' in expected) {
    if (!isDeepStrictEqual(result.structuredContent, expected.equals))
      return `unexpected result: ${JSON.stringify(result.structuredContent)}`;
  } else {
    const value = (result.structuredContent as { value?: unknown } | undefined)?.value;
    const [min, max] = expected.range;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return `value out of range: ${JSON.stringify(result.structuredContent)}`;
  }
  return undefined;
}

function call(id: number): Promise<void> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: spec.tool, arguments: spec.args },
  });
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
          ...spec.headers,
        },
      },
      (res) => {
        sockets.add(res.socket);
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          latencies[id] = performance.now() - started;
          const why = check(id, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
          if (why) fail(why);
          else ok++;
          resolve();
        });
        res.on('error', (error) => {
          fail(`response error: ${error.message}`);
          resolve();
        });
      },
    );
    req.on('error', (error) => {
      latencies[id] = performance.now() - started;
      fail(`request error: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
      resolve();
    });
    req.end(body);
  });
}

async function connection(): Promise<void> {
  while (next < spec.total) await call(next++);
}

const started = performance.now();
await Promise.all(Array.from({ length: spec.connections }, connection));
const durationMs = performance.now() - started;
agent.destroy();
const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) =>
  Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2));
const report: LoadReport = {
  calls: spec.total,
  ok,
  errors,
  errorSamples,
  statuses,
  durationMs: Math.round(durationMs),
  requestsPerSecond: Math.round((spec.total / durationMs) * 1000),
  latencyMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
  sockets: sockets.size,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
