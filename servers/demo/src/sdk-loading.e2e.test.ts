// Tracing costs nothing when it is off: a spawned stdio bin without OTEL_EXPORTER_OTLP_ENDPOINT
// loads no module of the OpenTelemetry SDK (a module load hook records every one it loads).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type OtlpReceiver, startOtlpReceiver } from '@mcp-stack/core/testing/otlp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const NODE_ARGS = ['--conditions=@mcp-stack/source', fileURLToPath(new URL('./bin.ts', import.meta.url))];
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

/** Every module the process loads (ESM and CommonJS), written to MODULES_OUT when it exits. */
const RECORD_MODULES = `
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.MODULES_OUT, seen.join('\\n')));
`;

describe('mcp-server-demo without an OTLP endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-modules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hook = join(dir, 'record-modules.mjs');
  writeFileSync(hook, RECORD_MODULES);

  /** Serves one tool call over stdio, then returns the modules the process loaded. */
  async function modulesLoaded(env: Record<string, string>): Promise<string[]> {
    const out = join(dir, `modules-${Object.keys(env).length}.txt`);
    const child = spawn(process.execPath, [`--import=${hook}`, ...NODE_ARGS], {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        MODULES_OUT: out,
        ...env,
      },
    });
    children.push(child);
    const answered = new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', (line) => resolve(line)),
    );
    const call = {
      name: 'generate_random_number',
      arguments: { min_value: 1, max_value: 2 },
      _meta: META,
    };
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: call })}\n`);
    expect(JSON.parse(await answered).result.structuredContent.value).toBeGreaterThanOrEqual(1);
    child.stdin.end();
    expect((await once(child, 'exit'))[0]).toBe(0);
    return readFileSync(out, 'utf8').split('\n');
  }
  const sdk = (url: string) =>
    /@opentelemetry\/(sdk-|exporter-|resources|context-async-hooks)|tracing\/sdk\.ts/.test(url);

  it('loads no OpenTelemetry SDK module (and does when the endpoint is set)', {
    timeout: 60_000,
  }, async () => {
    const off = await modulesLoaded({});
    expect(off.some((url) => url.includes('tracing/setup.ts'))).toBe(true); // the hook saw core's modules
    expect(off.filter(sdk)).toEqual([]);
    // the same check sees the SDK when tracing is on: it is not blind
    const on = await modulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect(on.filter(sdk).length).toBeGreaterThan(0);
  });
});
