// Synthetic customers and orders for benchmarks: one transaction, loaded with the secondary indexes
// and search triggers dropped, then the full-text and symbol indexes built for the new rows in one
// pass each and everything recreated. Concurrent readers see the data before or after, never half.
import type { Database } from 'better-sqlite3';
import type { CustomerStatus, OrderStatus } from '../schemas.ts';
import { symbolRowsSql } from './migrations.ts';

export interface SyntheticOptions {
  customers: number;
  /** Average orders per customer (each gets 0 to twice this many). */
  ordersPerCustomer?: number;
  /** Timestamps fall in the two years before this. */
  now?: () => Date;
  /** Uniform in [0, 1); a fixed-seed generator by default, so runs are repeatable. */
  random?: () => number;
}

export interface SyntheticResult {
  customers: number;
  orders: number;
  /** The id range of the customers added. */
  firstId: number;
  lastId: number;
}

// [as written, as in an email]
const FIRST: ReadonlyArray<[string, string]> = [
  ['Alice', 'alice'],
  ['Bob', 'bob'],
  ['Carol', 'carol'],
  ['David', 'david'],
  ['Emma', 'emma'],
  ['Fatima', 'fatima'],
  ['Gabriel', 'gabriel'],
  ['Hannah', 'hannah'],
  ['Ivan', 'ivan'],
  ['Jamal', 'jamal'],
  ['José', 'jose'],
  ['Zoë', 'zoe'],
  ['Søren', 'soren'],
  ['Łukasz', 'lukasz'],
  ['Chloé', 'chloe'],
  ['Mei', 'mei'],
  ['Kenji', 'kenji'],
  ['Priya', 'priya'],
  ['Olga', 'olga'],
  ['Noah', 'noah'],
  ['Sofia', 'sofia'],
  ['Mateo', 'mateo'],
  ['Aisha', 'aisha'],
  ['Björn', 'bjorn'],
  ['Amélie', 'amelie'],
];
const LAST: ReadonlyArray<[string, string]> = [
  ['Johnson', 'johnson'],
  ['Smith', 'smith'],
  ['García', 'garcia'],
  ['Müller', 'muller'],
  ["O'Connor", 'oconnor'],
  ['Nguyen', 'nguyen'],
  ['Kowalski', 'kowalski'],
  ['Tanaka', 'tanaka'],
  ['Singh', 'singh'],
  ['Dubois', 'dubois'],
  ['Rossi', 'rossi'],
  ['Andersson', 'andersson'],
  ['Novák', 'novak'],
  ['Silva', 'silva'],
  ['Kim', 'kim'],
  ['Haddad', 'haddad'],
  ['Okafor', 'okafor'],
  ['Smith-Jones', 'smith-jones'],
  ['van der Berg', 'vanderberg'],
  ['Yılmaz', 'yilmaz'],
];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'example.test'];
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'GBP', 'SEK'];
const DAY_MS = 86_400_000;

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function seedSynthetic(db: Database, options: SyntheticOptions): SyntheticResult {
  const { random, perCustomer, end, pick } = syntheticSource(options);

  // a big page cache for the load: the unique email index takes inserts all over its b-tree;
  // index builds sort in memory; no foreign-key lookup per order, whose customer was just written
  // by this load (the pragma is read outside a transaction only: set here, around it)
  const saved = {
    cache_size: db.pragma('cache_size', { simple: true }) as number,
    temp_store: db.pragma('temp_store', { simple: true }) as number,
    foreign_keys: db.pragma('foreign_keys', { simple: true }) as number,
  };
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = OFF');
  try {
    return load(db, options.customers, perCustomer, end, random, pick);
  } finally {
    for (const [name, value] of Object.entries(saved)) db.pragma(`${name} = ${value}`);
  }
}

function load(
  db: Database,
  customers: number,
  perCustomer: number,
  end: number,
  random: () => number,
  pick: <T>(list: ReadonlyArray<T>) => T,
): SyntheticResult {
  return db
    .transaction((): SyntheticResult => {
      const saved = db
        .prepare(
          `SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
           AND tbl_name IN ('customers', 'orders', 'customer_symbols') ORDER BY type = 'trigger', rowid`,
        )
        .all() as Array<{ type: 'index' | 'trigger'; name: string; sql: string }>;
      for (const { type, name } of saved)
        db.exec(`DROP ${type.toUpperCase()} "${name.replaceAll('"', '""')}"`);

      const maxId = (table: string) =>
        (db.prepare(`SELECT coalesce(max(id), 0) AS id FROM ${table}`).get() as { id: number }).id;
      const firstId = maxId('customers') + 1;
      const orderId = maxId('orders') + 1;
      const customer = batchInsert(db, 'customers', [
        'id',
        'name',
        'email',
        'status',
        'created_at',
        'updated_at',
      ]);
      const order = batchInsert(
        db,
        'orders',
        ['id', 'customer_id', 'status', 'total_cents', 'currency', 'created_at', 'updated_at'],
        customer.flush,
      );
      let orders = 0;
      for (const row of syntheticRows({
        firstId,
        firstOrderId: orderId,
        customers,
        perCustomer,
        end,
        random,
        pick,
      })) {
        customer.add(...row.customer);
        for (const o of row.orders) order.add(...o);
        orders += row.orders.length;
      }
      customer.flush();
      order.flush();

      // what the dropped triggers would have done, set-wise, for the new rows only
      db.prepare(
        'INSERT INTO customers_fts (rowid, name, email) SELECT id, name, email FROM customers WHERE id >= ?',
      ).run(firstId);
      db.prepare(
        `INSERT OR IGNORE INTO customer_symbols (symbol, customer_id) ${symbolRowsSql({
          name: 'c.name',
          email: 'c.email',
          id: 'c.id',
          from: 'customers c, ',
          where: 'c.id >= @first AND ',
        })}`,
      ).run({ first: firstId });
      for (const { sql } of saved) db.exec(sql);
      db.exec("INSERT INTO customers_fts (customers_fts) VALUES ('optimize')");
      return { customers, orders, firstId, lastId: firstId + customers - 1 };
    })
    .immediate();
}

export type CustomerValues = [
  id: number,
  name: string,
  email: string,
  status: CustomerStatus,
  created_at: string,
  updated_at: string,
];
export type OrderValues = [
  id: number,
  customer_id: number,
  status: OrderStatus,
  total_cents: number,
  currency: string,
  created_at: string,
  updated_at: string,
];

export interface RowsOptions {
  firstId: number;
  firstOrderId: number;
  customers: number;
  perCustomer: number;
  /** Timestamps fall in the two years before this (ms). */
  end: number;
  random: () => number;
  pick: <T>(list: ReadonlyArray<T>) => T;
}

/** The synthetic rows, customer by customer with their orders: the same on every backend. */
export function* syntheticRows(
  o: RowsOptions,
): Generator<{ customer: CustomerValues; orders: OrderValues[] }> {
  const { random, pick, end } = o;
  const iso = isoFormatter();
  let orderId = o.firstOrderId;
  for (let id = o.firstId; id < o.firstId + o.customers; id++) {
    const [first, firstAscii] = pick(FIRST);
    const [last, lastAscii] = pick(LAST);
    const roll = random();
    const status: CustomerStatus = roll < 0.85 ? 'active' : roll < 0.95 ? 'inactive' : 'blocked';
    const created = end - Math.floor(random() * 730 * DAY_MS);
    const createdAt = iso(created);
    const email = `${firstAscii}.${lastAscii}.${id}@${pick(DOMAINS)}`;
    const orders: OrderValues[] = [];
    const count = Math.floor(random() * (2 * o.perCustomer + 1));
    for (let n = 0; n < count; n++) {
      const placed = created + Math.floor(random() * (end - created));
      const r = random();
      const orderStatus: OrderStatus =
        r < 0.15 ? 'processing' : r < 0.35 ? 'shipped' : r < 0.9 ? 'delivered' : 'cancelled';
      const changed = orderStatus === 'processing' ? placed : placed + Math.floor(random() * 7 * DAY_MS);
      orders.push([
        orderId++,
        id,
        orderStatus,
        500 + Math.floor(random() * 49_500),
        pick(CURRENCIES),
        iso(placed),
        iso(Math.min(changed, end)),
      ]);
    }
    yield { customer: [id, `${first} ${last}`, email, status, createdAt, createdAt], orders };
  }
}

/** The generator and the time span a load uses (repeatable: a fixed seed by default). */
export function syntheticSource(options: SyntheticOptions): {
  random: () => number;
  perCustomer: number;
  end: number;
  pick: <T>(list: ReadonlyArray<T>) => T;
} {
  const random = options.random ?? seededRandom(20_250_601);
  const perCustomer = options.ordersPerCustomer ?? 2;
  const end = (options.now ?? (() => new Date()))().getTime();
  const pick = <T>(list: ReadonlyArray<T>): T => list[Math.floor(random() * list.length)] as T;
  return { random, perCustomer, end, pick };
}

const BATCH_ROWS = 100;

/**
 * Rows go in 100 to a statement: one call into SQLite per batch instead of per row (the per-call
 * cost was about half of the load's time). `flush` writes what is left; `before` runs before each
 * write (orders flush their customers first, for the foreign key).
 */
function batchInsert(db: Database, table: string, columns: ReadonlyArray<string>, before?: () => void) {
  const row = `(${columns.map(() => '?').join(', ')})`;
  const sql = (rows: number) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
  const full = db.prepare(sql(BATCH_ROWS));
  const values: unknown[] = [];
  const flush = () => {
    if (values.length === 0) return;
    before?.(); // the rows these refer to go first
    const rows = values.length / columns.length;
    (rows === BATCH_ROWS ? full : db.prepare(sql(rows))).run(values);
    values.length = 0;
  };
  return {
    add(...rowValues: unknown[]) {
      values.push(...rowValues);
      if (values.length === BATCH_ROWS * columns.length) flush();
    },
    flush,
  };
}

/** `Date#toISOString` for timestamps, each day's date part formatted once (a third of the cost). */
export function isoFormatter(): (ms: number) => string {
  const days = new Map<number, string>();
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    let prefix = days.get(day);
    if (prefix === undefined) {
      prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
      days.set(day, prefix);
    }
    const rest = ms - day * DAY_MS;
    const millis = rest % 1000;
    const seconds = Math.floor(rest / 1000);
    const hh = two(Math.floor(seconds / 3600));
    const mm = two(Math.floor(seconds / 60) % 60);
    const fraction = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : String(millis);
    return `${prefix}${hh}:${mm}:${two(seconds % 60)}.${fraction}Z`;
  };
}
