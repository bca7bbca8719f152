// Four customer-db server processes started at once on one new file (so the migration and the demo
// data race too), each sent a stream of writes over stdio (creates, and updates of what it created,
// several in flight): none fails, and afterwards every write is there with its exact values.
// The server's own busy timeout (5 s) is what absorbs the contention: these are the real bins,
// not the repository with a long timeout (servers/customer-db/src/concurrency.test.ts does that,
// with 3 processes). Fast: 4 x 100 writes. MCP_STACK_SLOW_TESTS=1: 4 x 1,000.
import { join } from 'node:path';
import { seededRandom } from '@mcp-stack/server-customer-db';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkAgainst,
  demoSnapshot,
  killAll,
  mcpProblems,
  readSnapshot,
  type Snapshot,
  startServer,
  structuralProblems,
  tempDir,
  Workload,
} from './harness.ts';

const SLOW = Boolean(process.env.MCP_STACK_SLOW_TESTS);
const SEED = Number(process.env.CUSTOMER_DB_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PROCESSES = 4;
const TAG = /\bw\dn\d{5}\b/;

const cleanups: Array<() => void> = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function writers(perProcess: number) {
  const context = `(CUSTOMER_DB_CRASH_SEED=${SEED})`;
  const { dir, cleanup } = tempDir('reliability-cdb-writers-');
  cleanups.push(cleanup);
  const path = join(dir, 'shared.sqlite');
  // all four open the new file at once: WAL switch, migration and demo data race
  const servers = await Promise.all(Array.from({ length: PROCESSES }, () => startServer(path)));
  const workloads = servers.map(
    (_, w) =>
      new Workload({
        random: seededRandom(SEED + w),
        tag: (n) => `w${w}n${String(n).padStart(5, '0')}`,
        weights: { create: 0.7, updateCustomer: 0.3, updateOrder: 0 },
      }),
  );
  const startedAt = performance.now();
  await Promise.all(servers.map((server, w) => workloads[w]?.run(server.client, 4, perProcess)));
  const seconds = (performance.now() - startedAt) / 1000;

  workloads.forEach((workload, w) => {
    expect(workload.failures, `writer ${w} ${context}`).toEqual([]);
    expect(workload.pendingCreates.size, `writer ${w} ${context}`).toBe(0);
    expect(workload.acknowledged, `writer ${w} ${context}`).toBe(perProcess);
  });
  const expected = demoSnapshot();
  const db = new BetterSqlite3(path, { readonly: true });
  let after: Snapshot;
  try {
    const verdict = checkAgainst(db, expected, workloads);
    expect(verdict.problems, context).toEqual([]);
    // the writers overlapped: in id order, the creates switch between processes many times
    const order = (
      db.prepare("SELECT email FROM customers WHERE email GLOB 'w[0-9]n*' ORDER BY id").all() as Array<{
        email: string;
      }>
    ).map((row) => row.email.slice(0, 2));
    const switches = order.filter((w, i) => i > 0 && w !== order[i - 1]).length;
    expect(switches, context).toBeGreaterThan(PROCESSES);
    after = readSnapshot(db);
  } finally {
    db.close();
  }
  // every process reads every other's writes, found by full-text search
  const created = workloads.flatMap((workload) => [...workload.customers.keys()]);
  expect(created.length, context).toBeGreaterThan(0);
  for (const [w, server] of servers.entries()) {
    const mine = created.filter((_, i) => i % PROCESSES === w);
    expect(await mcpProblems(server.client, after, mine, [], TAG), context).toEqual([]);
  }
  await Promise.all(servers.map((server) => server.close()));
  const rw = new BetterSqlite3(path);
  try {
    expect(structuralProblems(rw), context).toEqual([]);
  } finally {
    rw.close();
  }

  const rates = workloads.map((workload) => workload.rate().toFixed(0));
  console.log(
    `customer-db ${PROCESSES} processes x ${perProcess} writes over stdio on one new file ${context}: ` +
      `none failed, all present; ${((PROCESSES * perProcess) / seconds).toFixed(0)} writes/s in total ` +
      `(${seconds.toFixed(2)} s), per process ${rates.join(', ')} writes/s`,
  );
}

describe('4 customer-db processes writing one new file at once', () => {
  it('4 x 100 writes: none fails, every one is there', { timeout: 60_000 }, async () => {
    await writers(100);
  });
});

describe.runIf(SLOW)('4 customer-db processes writing one new file at once (slow)', () => {
  it('4 x 1,000 writes: none fails, every one is there', { timeout: 300_000 }, async () => {
    await writers(1_000);
  });
});
