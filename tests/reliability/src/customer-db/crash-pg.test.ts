// customer-db on PostgreSQL killed with SIGKILL while writes are in flight, again and again on one
// database: after each kill every acknowledged write is there with its exact values (a write whose
// result never came is there fully or not at all), the symbol table matches every name and email,
// the schema version holds, and a restarted server reads it all back. Also: the seed command
// killed during its COPY load leaves the database as it was or fully loaded.
//
// Runs against PG_URL / DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), each run in
// a scratch schema it drops after. Without a PostgreSQL there it is skipped, the reason printed,
// except under CI=true, where it fails.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { SCHEMA_VERSION, seededRandom } from '@mcp-stack/server-customer-db';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIN_ARGS,
  CLEAN_ENV,
  type CustomerRow,
  checkSnapshot,
  killAll,
  mcpProblems,
  type OrderRow,
  runSeed,
  type Snapshot,
  sleep,
  startServer,
  Workload,
} from './harness.ts';

const PG_URL = process.env.PG_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SEED = Number(process.env.CUSTOMER_DB_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TAG = /\br\d{2}n\d{5}\b/;

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
const unavailable = await reachable();
const run = !unavailable || process.env.CI === 'true';
if (!run) process.stderr.write(`customer-db crash-pg: skipped: ${unavailable} (set PG_URL)\n`);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function scratchSchema(): Promise<string> {
  if (unavailable) throw new Error(`${unavailable} (CI=true: the PostgreSQL crash tests must run)`);
  const schema = `cdb_crash_${randomBytes(6).toString('hex')}`;
  await withClient(PG_URL, (c) => c.query(`CREATE SCHEMA ${schema}`));
  cleanups.push(() =>
    withClient(PG_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => {}),
  );
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function readSnapshot(url: string): Promise<Snapshot> {
  return withClient(url, async (c) => {
    const customers = (
      await c.query('SELECT id::float8 AS id, name, email, status, created_at, updated_at FROM customers')
    ).rows as CustomerRow[];
    const orders = (
      await c.query(
        'SELECT id::float8 AS id, customer_id::float8 AS customer_id, status, total_cents::float8 AS total_cents, currency, created_at, updated_at FROM orders',
      )
    ).rows as OrderRow[];
    return {
      customers: new Map(customers.map((row) => [row.id, row])),
      orders: new Map(orders.map((row) => [row.id, row])),
    };
  });
}

/** The schema version, and the symbol table against every name and email (both ways). */
async function structuralProblems(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const problems: string[] = [];
    const version = (await c.query('SELECT version FROM customer_db_schema')).rows;
    if (version.length !== 1 || version[0].version !== SCHEMA_VERSION)
      problems.push(`schema version rows ${JSON.stringify(version)}`);
    const diff = (
      await c.query(
        `SELECT count(*)::int AS n FROM (
           (SELECT s, c.id FROM customers c, cdb_symbols_of(c.name, c.email) s EXCEPT SELECT symbol, customer_id FROM customer_symbols)
           UNION ALL
           (SELECT symbol, customer_id FROM customer_symbols EXCEPT SELECT s, c.id FROM customers c, cdb_symbols_of(c.name, c.email) s)) x`,
      )
    ).rows[0].n as number;
    if (diff !== 0) problems.push(`customer_symbols differs from the customers in ${diff} rows`);
    return problems;
  });
}

async function crashRounds(rounds: number) {
  const random = seededRandom(SEED);
  const context = `(CUSTOMER_DB_CRASH_SEED=${SEED})`;
  const url = await scratchSchema();
  await runSeed(url, 3_000);
  let expected = await readSnapshot(url);
  let recheck = { customers: [] as number[], orders: [] as number[] };
  const figures = { acked: 0, committedInFlight: 0, notCommittedInFlight: 0 };
  for (let round = 1; round <= rounds; round++) {
    const where = `round ${round} ${context}`;
    const server = await startServer(url);
    expect(
      await mcpProblems(server.client, expected, recheck.customers, recheck.orders, TAG),
      `reading back ${where}`,
    ).toEqual([]);
    const workload = new Workload({
      random,
      tag: (n) => `r${String(round).padStart(2, '0')}n${String(n).padStart(5, '0')}`,
      weights: { create: 0.45, updateCustomer: 0.3, updateOrder: 0.25 },
      customerIds: [...expected.customers.keys()],
      orders: expected.orders,
    });
    const killAfterAcks = 5 + Math.floor(random() * 60);
    const killDelayMs = Math.floor(random() * 250);
    let acks = 0;
    let killing: Promise<void> | undefined;
    await workload.run(server.client, 4, 5_000, () => {
      if (++acks === killAfterAcks) killing = sleep(killDelayMs).then(() => server.kill());
    });
    await killing;
    expect(workload.failures, where).toEqual([]);
    expect(killing, `${where}: the kill never came`).toBeDefined();
    figures.acked += workload.acknowledged;
    // the killed server's sessions end with its sockets: PostgreSQL rolls back what was in flight
    expect(await structuralProblems(url), where).toEqual([]);
    const verdict = checkSnapshot(await readSnapshot(url), expected, [workload]);
    expect(verdict.problems, where).toEqual([]);
    figures.committedInFlight += verdict.committedInFlight;
    figures.notCommittedInFlight += verdict.notCommittedInFlight;
    const previous = expected;
    expected = await readSnapshot(url);
    recheck = {
      customers: [
        ...new Set([
          ...workload.customers.keys(),
          ...[...expected.customers.keys()].filter((id) => !previous.customers.has(id)),
        ]),
      ],
      orders: [...workload.orders.keys()],
    };
  }
  const server = await startServer(url);
  expect(
    await mcpProblems(server.client, expected, recheck.customers, recheck.orders, TAG),
    `reading back after the last kill ${context}`,
  ).toEqual([]);
  await server.close();
  console.log(
    `customer-db on PostgreSQL crash ${context}: ${rounds} SIGKILLs, ${figures.acked} acknowledged writes all kept; ` +
      `writes in flight at the kills: ${figures.committedInFlight} committed, ${figures.notCommittedInFlight} not`,
  );
}

describe.runIf(run)('customer-db on PostgreSQL SIGKILLed while writes are in flight', () => {
  it('keeps every acknowledged write and a sound database, 3 kills', { timeout: 120_000 }, async () => {
    await crashRounds(3);
  });
});

describe.runIf(run)('customer-db seed command on PostgreSQL SIGKILLed during its COPY load', () => {
  it('leaves the database as it was or fully loaded', { timeout: 120_000 }, async () => {
    const random = seededRandom(SEED ^ 0x5eed);
    const context = `(CUSTOMER_DB_CRASH_SEED=${SEED})`;
    const url = await scratchSchema();
    await runSeed(url, 200);
    const outcomes: string[] = [];
    for (let kill = 1; kill <= 2; kill++) {
      const where = `seed kill ${kill} ${context}`;
      const before = await readSnapshot(url);
      const child = spawn(process.execPath, [...BIN_ARGS, 'seed', '--customers', '20000', '--db', url], {
        env: { ...process.env, ...CLEAN_ENV },
        stdio: 'ignore',
      });
      cleanups.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const exited = once(child, 'exit');
      const delayMs = 500 + Math.floor(random() * 1_500);
      await Promise.race([exited, sleep(delayMs)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      const [code, signal] = (await exited) as [number | null, string | null];
      // the server notices the closed socket and rolls the load back; wait for its session to end
      await expect
        .poll(
          () =>
            withClient(
              url,
              async (c) =>
                (
                  await c.query(
                    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state <> 'idle' AND query LIKE 'COPY %'",
                  )
                ).rows[0].n,
            ),
          { timeout: 10_000 },
        )
        .toBe(0);
      const after = await readSnapshot(url);
      const added = after.customers.size - before.customers.size;
      expect([0, 20_000], `${where}: added ${added} customers`).toContain(added);
      for (const [id, row] of before.customers) expect(after.customers.get(id), where).toEqual(row);
      if (added === 0) expect(after.orders.size, where).toBe(before.orders.size);
      expect(await structuralProblems(url), where).toEqual([]);
      outcomes.push(`${signal ?? `exit ${code}`} at ${delayMs} ms: ${added ? 'committed' : 'rolled back'}`);
    }
    // a server on it still writes through the trigger and finds by search
    const server = await startServer(url);
    const created = await server.client.callTool({
      name: 'create_customer',
      arguments: { name: "Après Seed O'Kill", email: 'after.seed%kill@crash.test' },
    });
    expect(created.isError, context).toBeFalsy();
    const found = await server.client.callTool({ name: 'search_customers', arguments: { query: "o'kill" } });
    expect(found.structuredContent, context).toMatchObject({
      customers: [{ name: "Après Seed O'Kill", email: 'after.seed%kill@crash.test' }],
    });
    await server.close();
    expect(await structuralProblems(url), context).toEqual([]);
    console.log(`customer-db seed on PostgreSQL killed ${context}: ${outcomes.join('; ')}`);
  });
});
