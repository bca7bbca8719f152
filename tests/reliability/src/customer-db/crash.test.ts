// customer-db killed with SIGKILL while writes are in flight, again and again on one file: each
// time the file opens, SQLite's integrity_check is ok, foreign keys hold, the full-text and symbol
// indexes match the table, every acknowledged write is there with its exact values (a write whose
// result never came is there fully or not at all), and a restarted server reads it all back.
// Also: the seed command killed half-way through its one-transaction bulk load.
//
// The kill moments come from a seeded generator: CUSTOMER_DB_CRASH_SEED=<n> replays a run's choices
// (the seed is in every failure message). Fast: 3 kills. MCP_STACK_SLOW_TESTS=1: 20 kills.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION, seededRandom } from '@mcp-stack/server-customer-db';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIN_ARGS,
  CLEAN_ENV,
  checkAgainst,
  copyDatabase,
  demoSnapshot,
  killAll,
  mcpProblems,
  readSnapshot,
  runSeed,
  type Snapshot,
  sleep,
  startServer,
  structuralProblems,
  tempDir,
  Workload,
} from './harness.ts';

const SLOW = Boolean(process.env.MCP_STACK_SLOW_TESTS);
const SEED = Number(process.env.CUSTOMER_DB_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TAG = /\br\d{2}n\d{5}\b/;

const cleanups: Array<() => void> = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function kib(bytes: number) {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function walSize(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

function newIds(before: Snapshot, after: Snapshot): number[] {
  return [...after.customers.keys()].filter((id) => !before.customers.has(id));
}

async function crashRounds(rounds: number) {
  const random = seededRandom(SEED);
  const context = `(CUSTOMER_DB_CRASH_SEED=${SEED})`;
  const { dir, cleanup } = tempDir('reliability-cdb-crash-');
  cleanups.push(cleanup);
  const path = join(dir, 'crash.sqlite');
  await runSeed(path, 3_000); // the demo data and 3,000 customers with ~6,000 orders to move along

  let expected: Snapshot;
  {
    const db = new BetterSqlite3(path, { readonly: true });
    expected = readSnapshot(db);
    db.close();
  }
  let previous = expected;
  let recheck = { customers: [] as number[], orders: [] as number[] };
  const figures = { acked: 0, committedInFlight: 0, notCommittedInFlight: 0, wal: [] as number[] };
  const reopenMs: number[] = [];
  const restartMs: number[] = [];

  for (let round = 1; round <= rounds; round++) {
    const where = `round ${round} ${context}`;
    // restart on the file the last kill left: the server recovers the WAL and reads it all back
    const startedAt = performance.now();
    const server = await startServer(path);
    restartMs.push(performance.now() - startedAt);
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
    // kill at a random moment once writes are flowing
    const killAfterAcks = 5 + Math.floor(random() * 60);
    const killDelayMs = Math.floor(random() * 250);
    let acks = 0;
    let killing: Promise<void> | undefined;
    // (bounded: if writes kept failing, no kill would come)
    await workload.run(server.client, 4, 5_000, () => {
      if (++acks === killAfterAcks) killing = sleep(killDelayMs).then(() => server.kill());
    });
    await killing;
    expect(workload.failures, where).toEqual([]);
    expect(killing, `${where}: the kill never came`).toBeDefined();
    expect(workload.acknowledged, where).toBeGreaterThanOrEqual(killAfterAcks);
    figures.acked += workload.acknowledged;
    figures.wal.push(walSize(path));

    // check a copy read-write (FTS5 integrity-check is a write), leaving the original as the kill left it
    const scratch = tempDir('reliability-cdb-check-');
    try {
      const copy = copyDatabase(path, scratch.dir);
      const openedAt = performance.now();
      const db = new BetterSqlite3(copy);
      db.prepare('SELECT count(*) FROM customers').get(); // the first read recovers the WAL
      reopenMs.push(performance.now() - openedAt);
      try {
        expect(structuralProblems(db), where).toEqual([]);
        const verdict = checkAgainst(db, expected, [workload]);
        expect(verdict.problems, where).toEqual([]);
        figures.committedInFlight += verdict.committedInFlight;
        figures.notCommittedInFlight += verdict.notCommittedInFlight;
        previous = expected;
        expected = readSnapshot(db);
      } finally {
        db.close();
      }
    } finally {
      scratch.cleanup();
    }
    // the next server reads back every row this round wrote, acknowledged or not
    recheck = {
      customers: [...new Set([...workload.customers.keys(), ...newIds(previous, expected)])],
      orders: [...workload.orders.keys()],
    };
  }

  // the last kill's file, opened by the server once more
  const server = await startServer(path);
  expect(
    await mcpProblems(server.client, expected, recheck.customers, recheck.orders, TAG),
    `reading back after the last kill ${context}`,
  ).toEqual([]);
  await server.close();
  {
    const db = new BetterSqlite3(path);
    expect(structuralProblems(db), `after a clean shutdown ${context}`).toEqual([]);
    db.close();
  }

  const max = (list: number[]) => Math.max(...list);
  console.log(
    `customer-db crash ${context}: ${rounds} SIGKILLs, ${figures.acked} acknowledged writes all kept; ` +
      `writes in flight at the kills: ${figures.committedInFlight} committed, ${figures.notCommittedInFlight} not; ` +
      `reopen (WAL recovery + first read) ${Math.min(...reopenMs).toFixed(1)}-${max(reopenMs).toFixed(1)} ms; ` +
      `server restart to first answer ${Math.min(...restartMs).toFixed(0)}-${max(restartMs).toFixed(0)} ms; ` +
      `WAL after the kills ${kib(Math.min(...figures.wal))}-${kib(max(figures.wal))} (last ${kib(figures.wal.at(-1) ?? 0)})`,
  );
}

describe('customer-db SIGKILLed while writes are in flight', () => {
  it('keeps every acknowledged write and a sound file, 3 kills on one file', {
    timeout: 60_000,
  }, async () => {
    await crashRounds(3);
  });
});

describe.runIf(SLOW)('customer-db SIGKILLed while writes are in flight (slow)', () => {
  it('keeps every acknowledged write and a sound file, 20 kills on one file', {
    timeout: 300_000,
  }, async () => {
    await crashRounds(20);
  });
});

/** Schema objects (tables, indexes, triggers) as SQL: the seed drops and recreates some. */
function schemaOf(db: BetterSqlite3.Database) {
  return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all();
}

async function killSeeds(kills: number, customers: number) {
  const random = seededRandom(SEED ^ 0x5eed);
  const context = `(CUSTOMER_DB_CRASH_SEED=${SEED})`;
  const { dir, cleanup } = tempDir('reliability-cdb-seedkill-');
  cleanups.push(cleanup);
  const path = join(dir, 'seed.sqlite');
  await runSeed(path, 200);
  const outcomes: string[] = [];
  for (let kill = 1; kill <= kills; kill++) {
    const where = `seed kill ${kill} ${context}`;
    let before: Snapshot;
    let schema: unknown[];
    {
      const db = new BetterSqlite3(path, { readonly: true });
      before = readSnapshot(db);
      schema = schemaOf(db);
      db.close();
    }
    const child = spawn(
      process.execPath,
      [...BIN_ARGS, 'seed', '--customers', String(customers), '--db', path],
      { env: { ...process.env, ...CLEAN_ENV }, stdio: 'ignore' },
    );
    cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    const exited = once(child, 'exit');
    const delayMs = 300 + Math.floor(random() * 1_200);
    await Promise.race([exited, sleep(delayMs)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    const [code, signal] = (await exited) as [number | null, string | null];

    const db = new BetterSqlite3(path);
    try {
      expect(structuralProblems(db), where).toEqual([]);
      // all or nothing: the load committed whole, or left no trace
      const after = readSnapshot(db);
      const added = after.customers.size - before.customers.size;
      expect([0, customers], `${where}: added ${added} customers`).toContain(added);
      for (const [id, row] of before.customers) expect(after.customers.get(id), where).toEqual(row);
      for (const [id, row] of before.orders) expect(after.orders.get(id), where).toEqual(row);
      if (added === 0) expect(after.orders.size, where).toBe(before.orders.size);
      // the indexes and search triggers it dropped inside the transaction are all back
      expect(schemaOf(db), where).toEqual(schema);
      outcomes.push(`${signal ?? `exit ${code}`} at ${delayMs} ms: ${added ? 'committed' : 'rolled back'}`);
    } finally {
      db.close();
    }
  }
  // and a server on it still writes through the triggers and finds by search
  const server = await startServer(path);
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
  const db = new BetterSqlite3(path);
  expect(structuralProblems(db), context).toEqual([]);
  db.close();
  console.log(`customer-db seed killed ${context}: ${outcomes.join('; ')}`);
}

describe('customer-db seed command SIGKILLed during its bulk load', () => {
  it('leaves the database as it was or fully loaded, with every index and trigger', {
    timeout: 60_000,
  }, async () => {
    await killSeeds(2, 20_000);
  });
});

describe.runIf(SLOW)('customer-db seed command SIGKILLed during its bulk load (slow)', () => {
  it('leaves the database as it was or fully loaded, 8 kills on one file', { timeout: 300_000 }, async () => {
    await killSeeds(8, 20_000);
  });
});

/**
 * The server killed while it creates a new file (WAL switch, migration, demo data): the next start
 * on that file works and holds the demo data exactly once.
 */
async function killStartups(kills: number) {
  const random = seededRandom(SEED ^ 0x57a7);
  const context = `(CUSTOMER_DB_CRASH_SEED=${SEED})`;
  const { dir, cleanup } = tempDir('reliability-cdb-startkill-');
  cleanups.push(cleanup);
  const outcomes: string[] = [];
  for (let kill = 1; kill <= kills; kill++) {
    const where = `start-up kill ${kill} ${context}`;
    const path = join(dir, `new-${kill}.sqlite`);
    const child = spawn(process.execPath, [...BIN_ARGS, '--db', path], {
      env: { ...process.env, ...CLEAN_ENV },
      stdio: ['pipe', 'ignore', 'ignore'], // stdin stays open: the server waits for a client
    });
    cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    const exited = once(child, 'exit');
    // the file appears once the modules are loaded; the kill lands 0-40 ms later, in the set-up
    const deadline = Date.now() + 30_000;
    while (!existsSync(path) && child.exitCode === null && Date.now() < deadline) await sleep(1);
    const delayMs = Math.floor(random() * 40);
    await sleep(delayMs);
    expect(child.exitCode, `${where}: the server exited on its own`).toBeNull();
    child.kill('SIGKILL');
    await exited;
    outcomes.push(`+${delayMs} ms: ${statSync(path).size} B, WAL ${walSize(path)} B`);

    const server = await startServer(path);
    const order = await server.client.callTool({ name: 'get_order', arguments: { order_id: '1234' } });
    expect(order.structuredContent, where).toMatchObject({
      status: 'shipped',
      customer_name: 'Alice Johnson',
    });
    await server.close();
    const db = new BetterSqlite3(path);
    try {
      expect(db.pragma('user_version', { simple: true }), where).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true }), where).toBe('wal');
      expect(structuralProblems(db), where).toEqual([]);
      expect(checkAgainst(db, demoSnapshot(), []).problems, where).toEqual([]);
    } finally {
      db.close();
    }
  }
  console.log(`customer-db killed while creating a new file ${context}: ${outcomes.join('; ')}`);
}

describe('customer-db SIGKILLed while it creates a new database file', () => {
  it('starts on that file afterwards, migrated, with the demo data once', { timeout: 60_000 }, async () => {
    await killStartups(3);
  });
});

describe.runIf(SLOW)('customer-db SIGKILLed while it creates a new database file (slow)', () => {
  it('starts on that file afterwards, 12 kills', { timeout: 300_000 }, async () => {
    await killStartups(12);
  });
});
