// What a bundled bin (scripts/bundle-bins.ts, what `npx` runs) loads to serve stateless HTTP: not
// undici and the web streams (an ESM import of node:http reads its WebSocket export, which loads
// them: 12.8 MiB of resident memory in a bare server on Node 24), not node:http2 (the SDK's
// session transport imports it through @hono/node-server: 9 MiB, loaded only with --stateful).
// A hook records Node's list of the built-in modules it loaded when the process exits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectHttp, endSpawned, postModern, type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'bundle-bins-'));
const hook = join(dir, 'record-builtins.mjs');
writeFileSync(
  hook,
  // not an ESM import of node:fs, which would load the file streams this test looks for
  `const { writeFileSync } = process.getBuiltinModule('node:fs');
process.on('exit', () => writeFileSync(process.env.BUILTINS_OUT, process.moduleLoadList.join('\\n')));
`,
);
const spawned: SpawnedHttp[] = [];
afterEach(() => endSpawned(spawned.splice(0).map((server) => server.child)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a built bin over HTTP, runs `use` against it, stops it; the built-in modules it loaded. */
async function builtinsLoaded(
  name: string,
  args: string[],
  env: Record<string, string>,
  use: (url: string) => Promise<void>,
): Promise<string[]> {
  const out = join(dir, `${name}-${args.join('')}.txt`);
  const server = await spawnHttp(
    process.execPath,
    [`--import=${hook}`, join(ROOT, `servers/${name}/dist/bin.js`), '--http', '--port', '0', ...args],
    { env: { ...env, BUILTINS_OUT: out, MCP_RATE_LIMIT_RPS: '0', OTEL_EXPORTER_OTLP_ENDPOINT: '' } },
  );
  spawned.push(server);
  await use(server.url);
  expect(await server.stop()).toBe(0);
  return readFileSync(out, 'utf8').split('\n');
}

const costly = (modules: string[]) =>
  modules.filter((module) => /undici|internal\/webstreams|\bhttp2\b/.test(module));
/** What an ESM import of node:crypto and node:fs reads besides (the demo's tool uses webcrypto). */
const alsoCostly = (modules: string[]) =>
  modules.filter((module) => /internal\/crypto\/webcrypto|internal\/fs\/streams/.test(module));

/** A tool call in each protocol era, so the hot path of both is covered too. */
async function callDemoBothEras(url: string): Promise<void> {
  const args = { name: 'generate_random_number', arguments: { min_value: 1, max_value: 2 } };
  const modern = await postModern(url, 'tools/call', args);
  expect(modern.json.result.structuredContent.value).toBeGreaterThanOrEqual(1);
  const legacy = await connectHttp(url);
  try {
    const result = await legacy.client.callTool(args);
    expect((result.structuredContent as { value: number }).value).toBeGreaterThanOrEqual(1);
  } finally {
    await legacy.close();
  }
}

describe('a bundled bin serving stateless HTTP', () => {
  it('loads neither undici, web streams nor node:http2 to serve calls in both eras', async () => {
    const modules = await builtinsLoaded('demo', [], {}, callDemoBothEras);
    expect(modules.length).toBeGreaterThan(50); // the hook did record
    expect(costly(modules)).toEqual([]);
  });

  it('is the same for customer-db, which loads neither web crypto nor file streams either', async () => {
    const modules = await builtinsLoaded(
      'customer-db',
      [],
      { CUSTOMER_DB_PATH: join(dir, 'c.sqlite') },
      async (url) => {
        const modern = await postModern(url, 'tools/call', {
          name: 'get_customer',
          arguments: { customer_id: '1' },
        });
        expect(modern.status).toBe(200);
      },
    );
    expect(costly(modules)).toEqual([]);
    expect(alsoCostly(modules)).toEqual([]);
  });

  it('loads node:http2 with --stateful, where the SDK session transport needs it, and still serves', async () => {
    const modules = await builtinsLoaded('demo', ['--stateful'], {}, callDemoBothEras);
    expect(modules).toContain('NativeModule http2');
  });
});

describe('a bundled bin on a Node older than its engines field', () => {
  it('says which Node it needs and exits 1 before loading anything (22.13 crashed in better-sqlite3)', async () => {
    // the preload makes this Node report 22.13.1, the last release better-sqlite3's binary kills
    const oldNode = join(dir, 'old-node.mjs');
    writeFileSync(oldNode, "Object.defineProperty(process.versions, 'node', { value: '22.13.1' });\n");
    const run = (args: string[]) =>
      spawnSync(process.execPath, [...args, join(ROOT, 'servers/customer-db/dist/bin.js'), '--help'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
    const old = run([`--import=${oldNode}`]);
    expect(old.status).toBe(1);
    expect(old.stderr).toContain('@mcp-stack/server-customer-db needs Node >= 22.14.0');
    expect(old.stdout).toBe(''); // the bundle never ran: no --help text
    const current = run([]);
    expect(current.status).toBe(0);
    expect(current.stdout).toContain('CUSTOMER_DB_PATH');
  });
});
