import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EMAIL_MAX, NAME_MAX } from '../schemas.ts';
import { tempDir } from '../test-fixtures/temp-db.ts';
import { openDatabase } from './connection.ts';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from './demo-data.ts';
import { MIGRATIONS, migrate, SCHEMA_VERSION, userVersion } from './migrations.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function dbPath(file = 'c.sqlite') {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, 'nested', 'dir', file);
}
const names = (db: BetterSqlite3.Database, type: string) =>
  (
    db
      .prepare('SELECT name FROM sqlite_schema WHERE type = ? AND sql IS NOT NULL ORDER BY name')
      .all(type) as Array<{
      name: string;
    }>
  ).map((r) => r.name);
const count = (db: BetterSqlite3.Database, table: string) =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('openDatabase and migrations', () => {
  it('creates the directory and the schema from nothing, in WAL with foreign keys and a busy timeout', () => {
    const path = dbPath();
    const db = openDatabase({ path, busyTimeoutMs: 1234 });
    try {
      expect(existsSync(path)).toBe(true);
      expect(userVersion(db)).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(names(db, 'table')).toEqual(
        expect.arrayContaining([
          'customers',
          'orders',
          'customers_fts',
          'customer_symbols',
          'search_positions',
        ]),
      );
      expect(names(db, 'index')).toEqual([
        'customer_symbols_customer',
        'customers_status',
        'orders_customer',
        'orders_customer_status',
        'orders_status',
      ]);
      expect(names(db, 'trigger')).toEqual([
        'customers_search_delete',
        'customers_search_insert',
        'customers_search_update',
      ]);
      // the symbol index reaches every character of the longest name and email
      expect(count(db, 'search_positions')).toBeGreaterThanOrEqual(Math.max(NAME_MAX, EMAIL_MAX));
    } finally {
      db.close();
    }
  });

  it('is idempotent: a second open changes nothing and seeds nothing twice', () => {
    const path = dbPath();
    openDatabase({ path }).close();
    const db = openDatabase({ path });
    try {
      expect(migrate(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      expect(count(db, 'customers')).toBe(DEMO_CUSTOMERS.length);
      expect(count(db, 'orders')).toBe(DEMO_ORDERS.length);
    } finally {
      db.close();
    }
  });

  it('seeds the demo data only into an empty database, and not with seedDemo: false', () => {
    const path = dbPath();
    const empty = openDatabase({ path, seedDemo: false });
    expect(count(empty, 'customers')).toBe(0);
    empty.close();
    const seeded = openDatabase({ path });
    try {
      const alice = seeded.prepare('SELECT name, email FROM customers WHERE id = 1234').get();
      const bob = seeded.prepare('SELECT name, email FROM customers WHERE id = 2345').get();
      expect(alice).toEqual({ name: 'Alice Johnson', email: 'alice@example.com' });
      expect(bob).toEqual({ name: 'Bob Smith', email: 'bob@example.com' });
      expect(seeded.prepare('SELECT status, customer_id FROM orders WHERE id = 1234').get()).toEqual({
        status: 'shipped',
        customer_id: 1234,
      });
      // the triggers indexed the seed for search
      expect(
        seeded.prepare("SELECT rowid FROM customers_fts WHERE customers_fts MATCH 'johnson'").all(),
      ).toEqual([{ rowid: 1234 }]);
    } finally {
      seeded.close();
    }
  });

  it('applies only the missing migrations, in order, each bumping user_version', () => {
    const path = dbPath();
    mkdirSync(dirname(path), { recursive: true });
    const raw = new BetterSqlite3(path);
    try {
      expect(migrate(raw)).toEqual({ from: 0, to: SCHEMA_VERSION });
      expect(migrate(raw)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    } finally {
      raw.close();
    }
  });

  it('2: a version-1 database with customers gets prefix indexes, and search still finds them all', () => {
    const path = dbPath();
    mkdirSync(dirname(path), { recursive: true });
    const raw = new BetterSqlite3(path);
    try {
      raw.exec((MIGRATIONS[0] as { sql: string }).sql);
      raw.pragma('user_version = 1');
      const insert = raw.prepare(
        "INSERT INTO customers (name, email, status, created_at, updated_at) VALUES (?, ?, 'active', 'x', 'x')",
      );
      insert.run('Zoë Kowalski', 'zoe.k@example.test');
      insert.run('Zora Smith', 'zs@example.test');
      insert.run('Ann Lee', 'ann@example.test');
      expect(migrate(raw)).toEqual({ from: 1, to: SCHEMA_VERSION });
      expect(
        String(raw.prepare("SELECT sql FROM sqlite_schema WHERE name = 'customers_fts'").pluck().get()),
      ).toMatch(/prefix = '1 2 3'/);
      const match = (q: string) =>
        raw
          .prepare('SELECT rowid FROM customers_fts WHERE customers_fts MATCH ? ORDER BY rowid')
          .pluck()
          .all(q);
      expect(match('"z"*')).toEqual([1, 2]);
      expect(match('"zo"*')).toEqual([1, 2]);
      expect(match('"zoe"*')).toEqual([1]); // accents folded, as before
      expect(match('"kowa"*')).toEqual([1]); // longer prefixes still work without an index of their own
      raw.exec("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)");
      // the triggers of migration 1 keep the new table up to date
      insert.run('Zeno Park', 'zeno@example.test');
      raw.prepare("UPDATE customers SET name = 'Annie Lee' WHERE id = 3").run();
      expect(match('"ze"*')).toEqual([4]);
      expect(match('"annie"*')).toEqual([3]);
      raw.exec("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)");
    } finally {
      raw.close();
    }
  });

  it('refuses a database from a newer server', () => {
    const path = dbPath();
    openDatabase({ path }).close();
    const raw = new BetterSqlite3(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase({ path })).toThrow(/newer than this server understands/);
  });

  it('enforces the constraints in the schema itself', () => {
    const path = dbPath();
    const db = openDatabase({ path });
    try {
      const insert = db.prepare(
        "INSERT INTO customers (name, email, status, created_at, updated_at) VALUES (?, ?, ?, 'x', 'x')",
      );
      expect(() => insert.run('A', 'ALICE@EXAMPLE.COM', 'active')).toThrow(/UNIQUE/);
      expect(() => insert.run('A', 'a@b.c', 'gone')).toThrow(/CHECK/);
      expect(() => insert.run('', 'b@b.c', 'active')).toThrow(/CHECK/);
      expect(() =>
        db
          .prepare(
            "INSERT INTO orders (customer_id, status, total_cents, currency, created_at, updated_at) VALUES (999999, 'processing', 1, 'USD', 'x', 'x')",
          )
          .run(),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });
});

describe('a file that is not ours', () => {
  it('refuses a file that is not a database', () => {
    const path = dbPath();
    openDatabase({ path, seedDemo: false }).close();
    writeFileSync(path, 'not a database, just text'.repeat(100));
    expect(() => openDatabase({ path })).toThrow(`cannot open ${path}: file is not a database`);
  });
});

describe('read-only mode', () => {
  it('refuses a missing file without creating it', () => {
    const path = dbPath();
    expect(() => openDatabase({ path, readOnly: true })).toThrow(
      /no database at .*start once without --read-only/,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a file that was never migrated', () => {
    const path = dbPath();
    openDatabase({ path }).close();
    const raw = new BetterSqlite3(path);
    raw.pragma('user_version = 0');
    raw.close();
    expect(() => openDatabase({ path, readOnly: true })).toThrow(/schema version 0, this server needs/);
  });

  it('opens a migrated file and refuses every write in SQLite itself', () => {
    const path = dbPath();
    openDatabase({ path }).close();
    const db = openDatabase({ path, readOnly: true });
    try {
      expect(db.readonly).toBe(true);
      expect(count(db, 'customers')).toBe(DEMO_CUSTOMERS.length);
      expect(() => db.prepare("UPDATE customers SET name = 'x' WHERE id = 1234").run()).toThrow(/readonly/);
    } finally {
      db.close();
    }
  });
});
