import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempDb, type TempDb } from '../test-fixtures/temp-db.ts';
import { isoFormatter, seededRandom, seedSynthetic } from './synthetic.ts';

let t: TempDb;
beforeEach(() => {
  t = openTempDb();
});
afterEach(() => t.cleanup());

const schemaObjects = () =>
  t.db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') ORDER BY name")
    .all();

/** What the triggers would have put in customer_symbols, computed independently in JS. */
function expectedSymbols(): string[] {
  const rows = t.db.prepare('SELECT id, name, email FROM customers').all() as Array<{
    id: number;
    name: string;
    email: string;
  }>;
  const out = new Set<string>();
  for (const { id, name, email } of rows) {
    for (const ch of name + email) if (!/[A-Za-z0-9 ]/.test(ch)) out.add(`${ch}\u0000${id}`);
  }
  return [...out].sort();
}
const actualSymbols = () =>
  (
    t.db.prepare('SELECT symbol, customer_id FROM customer_symbols').all() as Array<{
      symbol: string;
      customer_id: number;
    }>
  )
    .map((r) => `${r.symbol}\u0000${r.customer_id}`)
    .sort();

describe('seedSynthetic', () => {
  it('adds customers after the last id, with orders, and rebuilds every index and trigger', async () => {
    const before = schemaObjects();
    const result = seedSynthetic(t.db, { customers: 1_500, ordersPerCustomer: 2 });
    expect(result).toMatchObject({ customers: 1_500, firstId: 5679, lastId: 7178 });
    expect(result.orders).toBeGreaterThan(2_000);
    expect(result.orders).toBeLessThan(4_000);
    expect(
      t.db.prepare('SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM customers WHERE id > 5678').get(),
    ).toEqual({ n: 1_500, lo: 5679, hi: 7178 });
    expect(schemaObjects()).toEqual(before);
    // full-text index consistent with the table, symbols exactly what the triggers would make
    t.db.prepare("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)").run();
    expect(actualSymbols()).toEqual(expectedSymbols());
    // and the triggers are back: a normal insert is searchable at once
    await t.repository.customers.create({ name: 'After Seed', email: 'after%seed@example.test' });
    expect(
      (await t.repository.customers.search({ query: 'after', limit: 5 })).customers.map((c) => c.name),
    ).toEqual(['After Seed']);
    expect(
      (await t.repository.customers.search({ query: '%', limit: 5 })).customers.map((c) => c.name),
    ).toEqual(['After Seed']);
  });

  it('makes data the tools can search and page', async () => {
    seedSynthetic(t.db, { customers: 500 });
    const { customers } = t.repository;
    const page = await customers.search({ query: 'smith', limit: 100 });
    expect(page.customers.length).toBeGreaterThan(0);
    for (const c of page.customers) expect(`${c.name} ${c.email}`.toLowerCase()).toContain('smith');
    expect((await customers.search({ query: "o'connor", limit: 5 })).customers[0]?.name).toMatch(/O'Connor$/);
    expect(
      (await t.repository.orders.list({ customer_id: '5679', limit: 100 })).orders.every(
        (o) => o.customer_id === '5679',
      ),
    ).toBe(true);
  });

  it('is repeatable with the same random source', async () => {
    seedSynthetic(t.db, {
      customers: 50,
      random: seededRandom(1),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const first = t.db
      .prepare('SELECT name, email, status, created_at FROM customers WHERE id > 5678 ORDER BY id')
      .all();
    const other = openTempDb();
    try {
      seedSynthetic(other.db, {
        customers: 50,
        random: seededRandom(1),
        now: () => new Date('2026-01-01T00:00:00Z'),
      });
      expect(
        other.db
          .prepare('SELECT name, email, status, created_at FROM customers WHERE id > 5678 ORDER BY id')
          .all(),
      ).toEqual(first);
    } finally {
      other.cleanup();
    }
  });

  it('rolls back entirely, indexes included, when a row is refused', async () => {
    const before = schemaObjects();
    // the synthetic email of id 5679 is taken in advance, so the load hits the UNIQUE constraint
    const random = seededRandom(7);
    const probe = openTempDb();
    let email = '';
    try {
      seedSynthetic(probe.db, { customers: 1, random: seededRandom(7) });
      email = (probe.db.prepare('SELECT email FROM customers WHERE id = 5679').get() as { email: string })
        .email;
    } finally {
      probe.cleanup();
    }
    t.db
      .prepare(
        "INSERT INTO customers (id, name, email, status, created_at, updated_at) VALUES (100, 'Taken', ?, 'active', 'x', 'x')",
      )
      .run(email);
    expect(() => seedSynthetic(t.db, { customers: 10, random })).toThrow(/UNIQUE/);
    expect(schemaObjects()).toEqual(before);
    expect(t.db.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 6 });
  });
});

describe('isoFormatter', () => {
  it('formats timestamps exactly as Date#toISOString does', async () => {
    const iso = isoFormatter();
    const random = seededRandom(7);
    const samples = [0, 1, 999, 1000, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 5)];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor(random() * Date.UTC(2100, 0, 1)));
    for (const ms of samples) expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString());
  });
});
