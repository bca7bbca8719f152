// customer-db at size: the `seed` subcommand of the built bin fills a new file (quick: 100,000
// customers and about 300,000 orders; --full: 1,000,000 and 3,000,000), then lookups and searches
// are timed one call at a time at the repository layer and through MCP in-process (an SDK client
// linked in memory to the server definition, so the figures hold the tool's validation,
// serialisation and the protocol, but no transport).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectInMemory } from '@mcp-stack/core/testing';
import {
  type CustomerDbRepository,
  createCustomerDbServer,
  createRepository,
  openDatabase,
  seededRandom,
} from '@mcp-stack/server-customer-db';
import { type Benchmark, fmt, median, percentile, ROOT } from './lib.ts';

const BIN = join(ROOT, 'servers/customer-db/dist/bin.js');

async function seed(db: string, customers: number): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'seed', '--customers', String(customers), '--orders-per-customer', '3', '--db', db],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`seed exited with ${code}:\n${stderr}`);
  return performance.now() - started;
}

/** ms per call of `fn` for each of `inputs`, after `warmup` untimed calls. */
async function timeEach<T>(inputs: ReadonlyArray<T>, fn: (input: T) => unknown): Promise<number[]> {
  for (const input of inputs.slice(0, Math.min(200, inputs.length))) await fn(input);
  const times: number[] = [];
  for (const input of inputs) {
    const started = performance.now();
    await fn(input);
    times.push(performance.now() - started);
  }
  return times;
}

export const customerDbAtSize: Benchmark = async (ctx) => {
  const customers = ctx.full ? 1_000_000 : 100_000;
  const calls = ctx.full ? 20_000 : 5_000;
  const searches = ctx.full ? 2_000 : 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-cdb-'));
  const file = join(dir, 'customer-db.sqlite');
  let repository: CustomerDbRepository | undefined;
  try {
    ctx.progress(`seeding ${fmt(customers)} customers, 3 orders each on average`);
    const seedMs = await seed(file, customers);
    repository = createRepository({ db: openDatabase({ path: file, readOnly: true }) });
    const repo = repository;
    const random = seededRandom(42);
    const counts = countRows(file);
    const sample = (ids: number[]) =>
      Array.from({ length: calls }, () => String(ids[Math.floor(random() * ids.length)]));
    const customerIds = sample(counts.customerIds);
    const orderIds = sample(counts.orderIds);
    ctx.progress(
      `seeded ${fmt(counts.customers)} customers, ${fmt(counts.orders)} orders in ${fmt(seedMs / 1000, 1)} s; timing lookups`,
    );

    // 3-letter prefixes of the names of customers picked at random
    const prefixes: string[] = [];
    for (const id of customerIds.slice(0, searches))
      prefixes.push((await repo.customers.get(id)).name.slice(0, 3));

    const connected = await connectInMemory(createCustomerDbServer({ repository: repo }));
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await connected.client.callTool({ name, arguments: args });
      if (result.isError)
        throw new Error(`${name} ${JSON.stringify(args)}: ${JSON.stringify(result.content)}`);
    };
    const rows: Array<{ name: string; layer: string; times: number[] }> = [];
    try {
      rows.push({
        name: 'get_customer',
        layer: 'repository',
        times: await timeEach(customerIds, (id) => repo.customers.get(id)),
      });
      rows.push({
        name: 'get_order',
        layer: 'repository',
        times: await timeEach(orderIds, (id) => repo.orders.get(id)),
      });
      rows.push({
        name: 'search_customers (3-letter prefix, limit 20)',
        layer: 'repository',
        times: await timeEach(prefixes, (query) => repo.customers.search({ query, limit: 20 })),
      });
      ctx.progress('through MCP in-process');
      rows.push({
        name: 'get_customer',
        layer: 'MCP in-process',
        times: await timeEach(customerIds, (id) => call('get_customer', { customer_id: id })),
      });
      rows.push({
        name: 'get_order',
        layer: 'MCP in-process',
        times: await timeEach(orderIds, (id) => call('get_order', { order_id: id })),
      });
      rows.push({
        name: 'search_customers (3-letter prefix, limit 20)',
        layer: 'MCP in-process',
        times: await timeEach(prefixes, (query) => call('search_customers', { query, limit: 20 })),
      });
    } finally {
      await connected.close();
    }

    const stats = rows.map((r) => ({
      ...r,
      p50: median(r.times),
      p95: percentile(r.times, 95),
      p99: percentile(r.times, 99),
    }));
    const find = (name: string, layer: string) =>
      stats.find((s) => s.name.startsWith(name) && s.layer === layer) as (typeof stats)[number];
    const fileMiB = statSync(file).size / 2 ** 20;
    // the targets are set for --full; a quick run checks the same lines at its smaller size
    const at = ctx.full ? '' : ` (quick: ${fmt(counts.customers)} customers; the target is for 1,000,000)`;
    const targets = [
      ...(ctx.full
        ? [
            {
              name: 'seed 1,000,000 customers and 3,000,000 orders',
              wanted: '< 60 s',
              met: seedMs < 60_000,
              by: `${fmt(seedMs / 1000, 1)} s`,
            },
          ]
        : []),
      ...(['get_customer', 'get_order'] as const).map((tool) => {
        const p50 = find(tool, 'repository').p50;
        return {
          name: `${tool} at the repository, p50${at}`,
          wanted: '< 0.1 ms',
          met: p50 < 0.1,
          by: `${fmt(p50, 4)} ms`,
        };
      }),
      ...(['repository', 'MCP in-process'] as const).map((layer) => {
        const p95 = find('search_customers', layer).p95;
        return {
          name: `search_customers (${layer}), p95${at}`,
          wanted: '< 5 ms',
          met: p95 < 5,
          by: `${fmt(p95, 2)} ms`,
        };
      }),
    ];
    return {
      name: 'customer-db',
      title: `customer-db at size (${fmt(counts.customers)} customers, ${fmt(counts.orders)} orders, ${fmt(fileMiB)} MiB; seeded in ${fmt(seedMs / 1000, 1)} s; ${fmt(calls)} lookups, ${fmt(searches)} searches, one at a time)`,
      table: [
        ['call', 'layer', 'p50 ms', 'p95 ms', 'p99 ms'],
        ...stats.map((s) => [s.name, s.layer, fmt(s.p50, 4), fmt(s.p95, 4), fmt(s.p99, 4)]),
      ],
      targets,
      figures: {
        seedMs,
        customers: counts.customers,
        orders: counts.orders,
        fileMiB,
        ...Object.fromEntries(
          stats.flatMap((s) => [
            [`${s.name} ${s.layer} p50`, s.p50],
            [`${s.name} ${s.layer} p95`, s.p95],
            [`${s.name} ${s.layer} p99`, s.p99],
          ]),
        ),
      },
    };
  } finally {
    await repository?.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

function countRows(file: string) {
  const db = openDatabase({ path: file, readOnly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    // every id, to draw existing ones (ids are not contiguous: the demo rows come first)
    const ids = (table: string) => db.prepare(`SELECT id FROM ${table}`).pluck().all() as number[];
    return {
      customers: one('SELECT count(*) AS n FROM customers'),
      orders: one('SELECT count(*) AS n FROM orders'),
      customerIds: ids('customers'),
      orderIds: ids('orders'),
    };
  } finally {
    db.close();
  }
}
