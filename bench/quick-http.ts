// A quick measurement until `pnpm bench` exists: requests per second of a trivial tool call over
// core's stateless fast path against the SDK's own stateless pattern and the node:http ceiling,
// in one run, 32 connections, load from this process (autocannon) and each server in its own.
// Usage: node bench/quick-http.ts [seconds per target, default 10]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 10);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'generate_random_number', arguments: { min_value: 1, max_value: 100 } },
});

const targets = [
  { name: 'ceiling (node:http, fixed answer)', args: [here('./baselines/ceiling.mjs'), '3101'], port: 3101 },
  { name: 'SDK stateless pattern (express)', args: [here('./baselines/sdk-http.mjs'), '3100'], port: 3100 },
  {
    name: 'core fast path (all off)',
    args: ['--conditions=@mcp-stack/source', here('./servers/core-random.ts'), '3102', 'plain'],
    port: 3102,
  },
  {
    name: 'core fast path (auth, limit, metrics)',
    args: ['--conditions=@mcp-stack/source', here('./servers/core-random.ts'), '3103', 'secure'],
    port: 3103,
    headers: { authorization: 'Bearer bench-secret-0123456789abcdef' },
  },
] as Array<{ name: string; args: string[]; port: number; headers?: Record<string, string> }>;

const results: Array<{ name: string; rps: number; p99: number; non2xx: number }> = [];
for (const target of targets) {
  const child = spawn(process.execPath, target.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) =>
    child.stderr.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()),
  );
  const run = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${target.port}/mcp`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...target.headers,
      },
      body,
      connections: 32,
      duration,
    });
  await run(2); // warm-up
  const result = await run(seconds);
  results.push({
    name: target.name,
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  });
  child.kill('SIGTERM');
}
const sdk = results.find((r) => r.name.startsWith('SDK'))?.rps ?? 1;
const plain = results.find((r) => r.name.includes('all off'))?.rps ?? 1;
console.log(`node ${process.version}, 32 connections, ${seconds} s each after a 2 s warm-up`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(36)} ${String(r.rps).padStart(7)} req/s  p99 ${r.p99} ms  non-2xx/errors ${r.non2xx}  (${(r.rps / sdk).toFixed(2)}x SDK, ${(r.rps / plain).toFixed(2)}x all off)`,
  );
}
