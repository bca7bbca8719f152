// The entry points, spawned from source: the bin and stdio.ts over stdio with an SDK client,
// http.ts over Streamable HTTP.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  connectHttp,
  GENERAL_CONFORMANCE_SCENARIOS,
  runConformance,
  type SpawnedHttp,
  spawnHttp,
  spawnStdio,
} from '@mcp-stack/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, tempDir } from './test-fixtures/temp-db.ts';

const entry = (file: string) => [
  '--conditions=@mcp-stack/source',
  fileURLToPath(new URL(file, import.meta.url)),
];
const NODE_ARGS = entry('./bin.ts');

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
function dataDir() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}

describe('mcp-server-customer-db over stdio', () => {
  it('creates its database in MCP_STACK_DATA_DIR, answers, and logs only to stderr', async () => {
    const dir = dataDir();
    const spawned = await spawnStdio(process.execPath, NODE_ARGS, {
      env: { ...CLEAN_ENV, MCP_STACK_DATA_DIR: dir, LOG_LEVEL: 'debug' },
    });
    cleanups.push(() => spawned.close());
    const { client } = spawned;
    expect(client.getServerVersion()?.name).toBe('customer-db');
    const order = await client.callTool({ name: 'get_order', arguments: { order_id: '1234' } });
    expect(order.structuredContent).toMatchObject({ status: 'shipped', customer_name: 'Alice Johnson' });
    const created = await client.callTool({
      name: 'create_customer',
      arguments: { name: 'Stdio Person', email: 'stdio@example.test' },
    });
    expect(created.isError).toBeFalsy();
    const resource = await client.readResource({ uri: 'customer-db://customers/1234' });
    expect(JSON.parse((resource.contents[0] as { text: string }).text).name).toBe('Alice Johnson');
    expect(existsSync(join(dir, 'customer-db.sqlite'))).toBe(true);
    // logs are JSON lines on stderr (stdout carried only JSON-RPC, or the client would have failed)
    expect(spawned.stderr()).toContain('"msg":"database open"');
  });

  it('stdio.ts in read-only mode offers the reading tools only', async () => {
    const dir = dataDir();
    const path = join(dir, 'ro.sqlite');
    const first = await spawnStdio(process.execPath, [...NODE_ARGS, '--db', path], { env: CLEAN_ENV });
    await first.close();
    const spawned = await spawnStdio(process.execPath, [...entry('./stdio.ts'), '--read-only'], {
      env: { ...CLEAN_ENV, CUSTOMER_DB_PATH: path, MCP_TRANSPORT: 'http' }, // stdio.ts means stdio
    });
    cleanups.push(() => spawned.close());
    const { tools } = await spawned.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'get_customer',
      'get_order',
      'list_orders',
      'search_customers',
    ]);
  });
});

describe('http.ts', () => {
  let http: SpawnedHttp;
  const data = tempDir(); // outlives each test: the server runs across them
  beforeAll(async () => {
    http = await spawnHttp(process.execPath, [...entry('./http.ts'), '--port', '0'], {
      env: { ...CLEAN_ENV, CUSTOMER_DB_PATH: join(data.dir, 'http.sqlite') },
      timeoutMs: 20_000,
    });
  });
  afterAll(async () => {
    await http?.stop();
    data.cleanup();
  });

  it('serves MCP at the URL it logs, and is ready', { timeout: 30_000 }, async () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const ready = await fetch(new URL('/readyz', http.url));
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    const { client, close } = await connectHttp(http.url);
    try {
      const found = await client.callTool({ name: 'search_customers', arguments: { query: 'bob' } });
      expect(found.structuredContent).toMatchObject({
        customers: [{ id: '2345', name: 'Bob Smith' }],
        next_cursor: null,
      });
      const moved = await client.callTool({
        name: 'update_order_status',
        arguments: { order_id: '2345', status: 'shipped' },
      });
      expect(moved.structuredContent).toMatchObject({ status: 'shipped' });
      const missing = await client.callTool({ name: 'get_customer', arguments: { customer_id: '42' } });
      expect(missing).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'NOT_FOUND: no customer with id 42' }],
      });
    } finally {
      await close();
    }
  });

  it('passes the official conformance scenarios', { timeout: 120_000 }, async () => {
    // no prompts here: prompts/list is rightly "method not found" when the capability is not offered
    const scenarios = GENERAL_CONFORMANCE_SCENARIOS.filter((s) => s !== 'prompts-list');
    const reports = await Promise.all(scenarios.map((s) => runConformance(http.url, s)));
    expect(reports).toHaveLength(scenarios.length);
  });

  it('stops cleanly on SIGTERM, having written nothing to stdout', { timeout: 30_000 }, async () => {
    let stdout = '';
    http.child.stdout.on('data', (chunk) => (stdout += chunk));
    expect(await http.stop()).toBe(0);
    expect(stdout).toBe('');
    expect(http.stderr()).toContain('"msg":"stopped"');
  });
});
