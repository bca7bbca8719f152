// customer-db at size, on SQLite and on PostgreSQL side by side: the `seed` subcommand of the built
// bin fills a new file, and a scratch schema at PG_URL / DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test; dropped after; PostgreSQL is skipped, said in the title,
// when none answers) (quick: 100,000 customers and about 300,000 orders; --full: 1,000,000 and
// 3,000,000), then lookups and searches
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
  openPostgresRepository,
  seededRandom,
} from '@mcp-stack/server-customer-db';
import pg from 'pg';
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

type Backend = 'SQLite' | 'PostgreSQL';

interface Measured {
  backend: Backend;
  seedMs: number;
  customers: number;
  orders: number;
  sizeMiB: number;
  stats: Array<{ name: string; layer: string; p50: number; p95: number; p99: number }>;
}

/** Where PostgreSQL is for the bench (PG_URL / DATABASE_URL), or why not. */
async function pgTarget(): Promise<{ url: string; schema: string; drop(): Promise<void> } | string> {
  const base = process.env.PG_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    return `PostgreSQL at ${base.replace(/:[^:@/]*@/, ':***@')} is not reachable (${(error as Error).message}); set PG_URL`;
  }
  const schema = `cdb_bench_${Date.now().toString(36)}`;
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

async function measure(
  backend: Backend,
  ctx: Parameters<Benchmark>[0],
  sizes: { customers: number; calls: number; searches: number },
): Promise<Measured | string> {
  let repository: CustomerDbRepository | undefined;
  let cleanup = async () => {};
  try {
    let seedMs: number;
    let counts: Awaited<ReturnType<typeof countRows>>;
    let sizeMiB: number;
    ctx.progress(`${backend}: seeding ${fmt(sizes.customers)} customers, 3 orders each on average`);
    if (backend === 'SQLite') {
      const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-cdb-'));
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
      const file = join(dir, 'customer-db.sqlite');
      seedMs = await seed(file, sizes.customers);
      repository = createRepository({ db: openDatabase({ path: file, readOnly: true }) });
      counts = await countRows(file);
      sizeMiB = statSync(file).size / 2 ** 20;
    } else {
      const target = await pgTarget();
      if (typeof target === 'string') return target;
      cleanup = target.drop;
      seedMs = await seed(target.url, sizes.customers);
      repository = await openPostgresRepository({ url: target.url, readOnly: true });
      counts = await countRows(target.url);
      sizeMiB = await pgSizeMiB(target.url);
    }
    const repo = repository;
    const random = seededRandom(42);
    const sample = (ids: number[]) =>
      Array.from({ length: sizes.calls }, () => String(ids[Math.floor(random() * ids.length)]));
    const customerIds = sample(counts.customerIds);
    const orderIds = sample(counts.orderIds);
    ctx.progress(
      `${backend}: seeded ${fmt(counts.customers)} customers, ${fmt(counts.orders)} orders in ${fmt(seedMs / 1000, 1)} s; timing lookups`,
    );

    // 3-letter prefixes of the names of customers picked at random
    const prefixes: string[] = [];
    for (const id of customerIds.slice(0, sizes.searches))
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
      ctx.progress(`${backend}: through MCP in-process`);
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
    return {
      backend,
      seedMs,
      customers: counts.customers,
      orders: counts.orders,
      sizeMiB,
      stats: rows.map((r) => ({
        name: r.name,
        layer: r.layer,
        p50: median(r.times),
        p95: percentile(r.times, 95),
        p99: percentile(r.times, 99),
      })),
    };
  } finally {
    await repository?.close();
    await cleanup();
  }
}

export const customerDbAtSize: Benchmark = async (ctx) => {
  const sizes = {
    customers: ctx.full ? 1_000_000 : 100_000,
    calls: ctx.full ? 20_000 : 5_000,
    searches: ctx.full ? 2_000 : 1_000,
  };
  const sqlite = (await measure('SQLite', ctx, sizes)) as Measured;
  const postgres = await measure('PostgreSQL', ctx, sizes);
  const measured = [sqlite, ...(typeof postgres === 'string' ? [] : [postgres])];
  if (typeof postgres === 'string') ctx.progress(`PostgreSQL skipped: ${postgres}`);
  const find = (m: Measured, name: string, layer: string) =>
    m.stats.find((s) => s.name.startsWith(name) && s.layer === layer) as Measured['stats'][number];
  // the targets are set for --full; a quick run checks the same lines at its smaller size
  const at = ctx.full ? '' : ` (quick: ${fmt(sqlite.customers)} customers; the target is for 1,000,000)`;
  const targets = [
    ...(ctx.full
      ? [
          {
            name: 'SQLite: seed 1,000,000 customers and 3,000,000 orders',
            wanted: '< 60 s',
            met: sqlite.seedMs < 60_000,
            by: `${fmt(sqlite.seedMs / 1000, 1)} s`,
          },
        ]
      : []),
    ...(['get_customer', 'get_order'] as const).map((tool) => {
      const p50 = find(sqlite, tool, 'repository').p50;
      return {
        name: `SQLite: ${tool} at the repository, p50${at}`,
        wanted: '< 0.1 ms',
        met: p50 < 0.1,
        by: `${fmt(p50, 4)} ms`,
      };
    }),
    ...(['repository', 'MCP in-process'] as const).map((layer) => {
      const p95 = find(sqlite, 'search_customers', layer).p95;
      return {
        name: `SQLite: search_customers (${layer}), p95${at}`,
        wanted: '< 5 ms',
        met: p95 < 5,
        by: `${fmt(p95, 2)} ms`,
      };
    }),
    ...(typeof postgres === 'string'
      ? []
      : [
          ...(['get_customer', 'get_order'] as const).map((tool) => {
            const p50 = find(postgres, tool, 'repository').p50;
            return {
              name: `PostgreSQL: ${tool} at the repository (through the pool), p50${at}`,
              wanted: '< 1 ms',
              met: p50 < 1,
              by: `${fmt(p50, 4)} ms`,
            };
          }),
          ...(['repository', 'MCP in-process'] as const).map((layer) => {
            const p95 = find(postgres, 'search_customers', layer).p95;
            return {
              name: `PostgreSQL: search_customers (${layer}), p95${at}`,
              wanted: '< 10 ms',
              met: p95 < 10,
              by: `${fmt(p95, 2)} ms`,
            };
          }),
        ]),
  ];
  const header = ['call', 'layer', ...measured.flatMap((m) => [`${m.backend} p50 ms`, 'p95', 'p99'])];
  const seeded = measured.map(
    (m) => `${m.backend}: seeded in ${fmt(m.seedMs / 1000, 1)} s, ${fmt(m.sizeMiB)} MiB`,
  );
  return {
    name: 'customer-db',
    title: `customer-db at size (${fmt(sqlite.customers)} customers, ${fmt(sqlite.orders)} orders; ${seeded.join('; ')}${typeof postgres === 'string' ? `; PostgreSQL skipped: ${postgres}` : ''}; ${fmt(sizes.calls)} lookups, ${fmt(sizes.searches)} searches, one at a time)`,
    table: [
      header,
      ...sqlite.stats.map((s) => [
        s.name,
        s.layer,
        ...measured.flatMap((m) => {
          const x = find(m, s.name, s.layer);
          return [fmt(x.p50, 4), fmt(x.p95, 4), fmt(x.p99, 4)];
        }),
      ]),
    ],
    targets,
    figures: Object.fromEntries(
      measured.flatMap((m) => {
        const prefix = m.backend === 'SQLite' ? '' : `${m.backend} `;
        return [
          [`${prefix}seedMs`, m.seedMs],
          [`${prefix}customers`, m.customers],
          [`${prefix}orders`, m.orders],
          [m.backend === 'SQLite' ? 'fileMiB' : `${prefix}MiB`, m.sizeMiB],
          ...m.stats.flatMap((s) => [
            [`${prefix}${s.name} ${s.layer} p50`, s.p50],
            [`${prefix}${s.name} ${s.layer} p95`, s.p95],
            [`${prefix}${s.name} ${s.layer} p99`, s.p99],
          ]),
        ];
      }),
    ),
  };
};

async function pgSizeMiB(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT sum(pg_total_relation_size(c.oid))::float8 AS bytes FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'",
    );
    return Number(rows[0]?.bytes ?? 0) / 2 ** 20;
  } finally {
    await client.end();
  }
}

async function countRows(target: string) {
  if (target.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: target });
    await client.connect();
    try {
      const ids = async (table: string) =>
        (await client.query(`SELECT id::float8 AS id FROM ${table}`)).rows.map((r: { id: number }) => r.id);
      const customerIds = await ids('customers');
      const orderIds = await ids('orders');
      return { customers: customerIds.length, orders: orderIds.length, customerIds, orderIds };
    } finally {
      await client.end();
    }
  }
  const db = openDatabase({ path: target, readOnly: true });
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
