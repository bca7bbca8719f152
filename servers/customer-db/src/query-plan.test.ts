// Every statement the tools and resources run, replayed under EXPLAIN QUERY PLAN: none may read a
// whole table, sort its results in a temp b-tree, or scan the full-text index without MATCH.
import { connectInMemory } from '@mcp-stack/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { symbolRowsSql } from './db/migrations.ts';
import { seedSynthetic } from './db/synthetic.ts';
import { createCustomerDbServer } from './server.ts';
import { openTempDb, type TempDb } from './test-fixtures/temp-db.ts';

/** Why a plan line is a problem, or undefined when it is an index lookup. */
function fault(detail: string): string | undefined {
  if (/^SCAN sqlite_(schema|master)\b/.test(detail)) return undefined; // the catalog: a few dozen rows
  if (/^SCAN \S+ VIRTUAL TABLE INDEX \d+:.*M/.test(detail)) return undefined; // FTS5 with MATCH
  // a search's window of candidates: a subquery read in order, bounded by its LIMIT
  if (/^SCAN (w|\(subquery-\d+\))$/.test(detail)) return undefined;
  if (/^SCAN /.test(detail)) return 'full scan';
  if (/TEMP B-TREE/.test(detail)) return 'sort of every match';
  return undefined;
}

function planOf(t: TempDb, sql: string, params: ReadonlyArray<unknown>): string[] {
  const rows = t.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

/** Calls every tool and resource in every shape its SQL can take. */
async function exercise(t: TempDb) {
  const { client, close } = await connectInMemory(createCustomerDbServer({ repository: t.repository }));
  const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });
  try {
    await call('get_customer', { customer_id: '1234' });
    for (const query of [undefined, 'alice', "o'brien", 'alice %', '%', '_ %']) {
      for (const status of [undefined, 'active']) {
        const args = { ...(query !== undefined && { query }), ...(status && { status }), limit: 2 };
        const first = await call('search_customers', args);
        const next = (first.structuredContent as { next_cursor: string | null }).next_cursor;
        if (next) await call('search_customers', { ...args, cursor: next });
      }
    }
    const created = await call('create_customer', { name: 'Plan Person', email: 'plan@example.test' });
    const id = (created.structuredContent as { id: string }).id;
    await call('update_customer', { customer_id: id, name: 'Plan Person II', email: 'plan2@example.test' });
    await call('create_customer', { name: 'Dup', email: 'PLAN2@example.test' }); // conflict path
    await call('get_order', { order_id: '1234' });
    for (const customer_id of [undefined, '1234']) {
      for (const status of [undefined, 'processing']) {
        await call('list_orders', {
          ...(customer_id && { customer_id }),
          ...(status && { status }),
          limit: 1,
        });
      }
    }
    await call('update_order_status', { order_id: '2345', status: 'shipped' });
    await call('update_order_status', { order_id: '2345', status: 'shipped' }); // no-op path
    const listed = await client.listResources();
    if (listed.nextCursor) await client.listResources({ cursor: listed.nextCursor });
    for (const uri of ['customer-db://customers/1234', 'customer-db://orders/1234', 'customer-db://schema'])
      await client.readResource({ uri });
    for (const uri of ['customer-db://customers/{id}', 'customer-db://orders/{id}']) {
      await client.complete({ ref: { type: 'ref/resource', uri }, argument: { name: 'id', value: '1' } });
    }
  } finally {
    await close();
  }
}

describe('the plan check', () => {
  it('catches a full scan, a sort and a full-text scan without MATCH', async () => {
    const t = openTempDb();
    try {
      const faults = (sql: string) => planOf(t, sql, []).map(fault).filter(Boolean);
      expect(faults("SELECT * FROM customers WHERE name = 'x'")).toEqual(['full scan']);
      expect(faults('SELECT * FROM customers WHERE id > 0 ORDER BY name')).toEqual(['sort of every match']);
      expect(faults("SELECT rowid FROM customers_fts WHERE name = 'x'")).toEqual(['full scan']);
      expect(faults("SELECT * FROM orders WHERE currency = 'USD'")).toEqual(['full scan']);
      expect(faults("SELECT rowid FROM customers_fts WHERE customers_fts MATCH 'x'")).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});

describe.each([
  { name: 'a fresh database (demo data, no statistics)', seed: 0 },
  { name: 'a seeded and analysed database', seed: 3_000 },
])('query plans on $name', ({ seed }) => {
  const recorded = new Map<string, ReadonlyArray<unknown>>();
  const t = openTempDb({ onQuery: (sql, params) => recorded.set(sql, params) });
  afterAll(() => t.cleanup());

  it('uses an index for every statement the tools and resources run', async () => {
    if (seed) {
      seedSynthetic(t.db, { customers: seed });
      t.db.exec('ANALYZE');
    }
    await exercise(t);
    const sqls = [...recorded.keys()];
    // every search shape ran: plain, full-text, full-text with literal terms, symbols; each ± status
    for (const part of [
      'FROM customers c WHERE',
      'MATCH ?',
      'cdb_contains_all',
      'FROM customer_symbols WHERE symbol = ?',
      'INDEXED BY customers_status',
      'count(*) AS examined',
      'c.status = ?',
    ]) {
      expect(
        sqls.some((sql) => sql.includes(part)),
        part,
      ).toBe(true);
    }
    expect(sqls.filter((sql) => sql.includes('FROM orders o')).length).toBe(5); // get + 4 list shapes
    const faults: string[] = [];
    for (const [sql, params] of recorded) {
      for (const detail of planOf(t, sql, params)) {
        const why = fault(detail);
        if (why) faults.push(`${why}: ${detail}\n  in ${sql.replace(/\s+/g, ' ')}`);
      }
    }
    expect(faults).toEqual([]);
  });

  it('uses an index in the search triggers’ statements and the bulk load', async () => {
    const statements: Array<[string, unknown[]]> = [
      [
        symbolRowsSql({ name: '@name', email: '@email', id: '@id' }),
        [{ name: "O'Brien", email: 'a@b.c', id: 1 }],
      ],
      ['DELETE FROM customer_symbols WHERE customer_id = ?', [1]],
      [
        symbolRowsSql({
          name: 'c.name',
          email: 'c.email',
          id: 'c.id',
          from: 'customers c, ',
          where: 'c.id >= @first AND ',
        }),
        [{ first: 5000 }],
      ],
    ];
    for (const [sql, params] of statements) {
      const plan = planOf(t, sql, params);
      expect(plan.length).toBeGreaterThan(0);
      expect(
        plan.filter((d) => fault(d)),
        sql,
      ).toEqual([]);
    }
  });
});
