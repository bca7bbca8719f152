// PostgreSQL search does bounded work: run each search's statements under EXPLAIN ANALYZE and
// check that no scan of `customers` reads more rows than its bound. A rare word (or none at all)
// must not make the planner walk the whole table in id order, which it chose before the two-step
// page: it guesses any prefix matches 1 row in 25 or so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_WINDOW } from '../schemas.ts';
import { BACKENDS, openPgTest } from '../test-fixtures/backends.ts';
import type { PgDatabase } from './connection.ts';
import { createPgRepository, HEAD_ROWS, WINDOW_HEAD_ROWS } from './repository.ts';

const CUSTOMERS = 25_000; // more than WINDOW_HEAD_ROWS, so the bound is visible

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows each scan of customers read (returned + filtered out), over all its loops. */
function scans(node: PlanNode, out: Array<{ type: string; read: number }> = []) {
  if (node['Relation Name'] === 'customers' && /Scan/.test(node['Node Type'])) {
    const read = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'];
    out.push({ type: node['Node Type'], read });
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

describe.skipIf(!BACKENDS.includes('postgres'))('postgres: bounded search work', () => {
  let t: Awaited<ReturnType<typeof openPgTest>>;
  const seen: Array<{ sql: string; params: ReadonlyArray<unknown> }> = [];
  let traced: PgDatabase;
  beforeAll(async () => {
    t = await openPgTest();
    await t.seed(CUSTOMERS, 0);
    await t.exec('ANALYZE customers');
    // the repository's database, with every search statement recorded
    traced = {
      ...t.db,
      query: (sql, params) => {
        if (/FROM customers/.test(sql)) seen.push({ sql, params: params ?? [] });
        return t.db.query(sql, params);
      },
    };
  }, 60_000);
  afterAll(() => t?.cleanup());

  /** The largest number of rows any scan of customers read, over the statements of one search. */
  async function maxRead(search: () => Promise<unknown>) {
    seen.length = 0;
    await search();
    const reads: Array<{ type: string; read: number }> = [];
    for (const { sql, params } of seen) {
      const [row] = await t.db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      const plan = row?.['QUERY PLAN'][0]?.Plan;
      if (!plan) throw new Error(`no plan for ${sql}`);
      reads.push(...scans(plan));
    }
    return Math.max(0, ...reads.map((r) => r.read));
  }

  it('a word nobody has reads the head of the table and the index, never the whole table', async () => {
    const customers = createPgRepository({ db: traced }).customers;
    const read = await maxRead(() => customers.search({ query: 'xyzzy', limit: 20 }));
    expect(read).toBeLessThanOrEqual(HEAD_ROWS);
    const page = await customers.search({ query: 'xyzzy', limit: 20 });
    expect(page).toEqual({ customers: [], next_cursor: null });
  });

  it('a common word is answered from the head of the table', async () => {
    const customers = createPgRepository({ db: traced }).customers;
    expect(await maxRead(() => customers.search({ query: 'exa', limit: 20 }))).toBeLessThanOrEqual(HEAD_ROWS);
    expect((await customers.search({ query: 'exa', limit: 20 })).customers).toHaveLength(20);
  });

  it('a filtered search with a rare word reads at most its window head, then the index', async () => {
    const customers = createPgRepository({ db: traced }).customers;
    const read = await maxRead(() => customers.search({ query: 'xyzzy', status: 'blocked', limit: 20 }));
    expect(read).toBeLessThanOrEqual(WINDOW_HEAD_ROWS);
    expect(read).toBeLessThan(CUSTOMERS);
    // and a symbol search examines one window of candidates
    const symbols = await maxRead(() => customers.search({ query: '@@', limit: 20 }));
    expect(symbols).toBeLessThanOrEqual(SEARCH_WINDOW);
  });
});
