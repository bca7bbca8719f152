// The repository on PostgreSQL: the same methods, answers and errors as the SQLite one
// (repository/*.ts), in PostgreSQL's SQL. Writes run in one transaction each and lock the row they
// read (`FOR UPDATE`), so a read-then-write (transitions, "nothing changed") is atomic as SQLite's
// `BEGIN IMMEDIATE` makes it; waiting for a row happens in the database, never on the event loop.
import { AppError } from '@mcp-stack/core';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { idRangesWithPrefix, parseId } from '../db/ids.ts';
import { SCHEMA_VERSION } from '../db/migrations.ts';
import {
  COLUMNS,
  type CustomerRow,
  type CustomersRepository,
  notFound as customerNotFound,
  toCustomer,
} from '../repository/customers.ts';
import {
  type OrderRow,
  type OrdersRepository,
  notFound as orderNotFound,
  SELECT,
  toOrder,
} from '../repository/orders.ts';
import { traceRepository } from '../repository/traced.ts';
import type { CustomerDbRepository } from '../repository.ts';
import { ORDER_TRANSITIONS, SEARCH_WINDOW } from '../schemas.ts';
import { fold, planSearch } from '../search.ts';
import type { PgDatabase, PgRunner } from './connection.ts';
import { pgSchemaVersion, WORD_MAX } from './migrations.ts';

const LONG_WORD = new RegExp(`[\\p{L}\\p{N}\\p{M}]{${WORD_MAX + 1}}`, 'u');

export interface PgRepositoryDeps {
  db: PgDatabase;
  now?: () => Date;
}

const one = async <T extends object>(r: PgRunner, sql: string, params: ReadonlyArray<unknown>) =>
  (await r.query<T & Record<string, unknown>>(sql, params))[0] as T | undefined;

async function idsWithPrefix(r: PgRunner, table: 'customers' | 'orders', prefix: string, max: number) {
  const ids: string[] = [];
  for (const [low, high] of idRangesWithPrefix(prefix)) {
    const rows = await r.query<{ id: number }>(
      `SELECT id FROM ${table} WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT $3`,
      [low, high, max - ids.length],
    );
    ids.push(...rows.map((row) => String(row.id)));
    if (ids.length >= max) break;
  }
  return ids;
}

/** The terms of a plan's FTS5 query (`"t1"* "t2"*`, quotes doubled), as typed: PostgreSQL builds its own query of them (cdb_match). */
export function matchTerms(match: string): string[] {
  return [...match.matchAll(/"((?:[^"]|"")*)"\*/g)].map((m) => (m[1] as string).replaceAll('""', '"'));
}

/** Customers read in id order before a words-only search asks the full-text index (see search). */
export const HEAD_ROWS = 1_000;

/** Customers read in id order before a filtered search's window asks the full-text index. */
export const WINDOW_HEAD_ROWS = 20 * SEARCH_WINDOW;

/**
 * The first `n` ids after `from` whose search column matches `q`, in id order, in two bounded
 * steps (one statement): the next `head` customers in id order, and only when they hold fewer than
 * `n` matches, the GIN index (`id + 0` keeps the planner from walking the primary key instead: for
 * a word rarer than it guesses, that walk would read the whole table).
 */
function wordCandidates(q: string, from: string, n: string, head: string): string {
  return `WITH head AS MATERIALIZED (
      SELECT h.id FROM (SELECT id, search FROM customers WHERE id > ${from} ORDER BY id LIMIT ${head}) h
      WHERE h.search @@ ${q} ORDER BY h.id LIMIT ${n})
    SELECT id FROM head WHERE (SELECT count(*) FROM head) >= ${n}
    UNION ALL
    (SELECT id FROM customers WHERE (SELECT count(*) FROM head) < ${n} AND search @@ ${q} AND id > ${from}
     ORDER BY id + 0 LIMIT ${n})`;
}

/** Placeholders numbered in order of use. */
function params() {
  const values: unknown[] = [];
  return { values, add: (value: unknown) => `$${values.push(value)}` };
}

export function createPgCustomers(db: PgDatabase, now: () => Date): CustomersRepository {
  const row = (r: PgRunner, id: number, lock = false) =>
    one<CustomerRow>(r, `SELECT ${COLUMNS} FROM customers c WHERE c.id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
  const find = async (r: PgRunner, id: string, lock = false): Promise<CustomerRow> => {
    const rowId = parseId(id);
    const found = rowId === undefined ? undefined : await row(r, rowId, lock);
    if (!found) throw customerNotFound(id);
    return found;
  };
  const conflict = (email: string, holder: number) =>
    new AppError(
      'CONFLICT',
      `email ${email} is taken by customer ${holder}; use another email, or update_customer on ${holder}`,
    );
  const assertEmailFree = async (r: PgRunner, email: string, self?: number) => {
    const holder = await one<{ id: number }>(
      r,
      'SELECT id FROM customers WHERE cdb_nocase(email) = cdb_nocase($1)',
      [email],
    );
    if (holder && holder.id !== self) throw conflict(email, holder.id);
  };
  /** A unique violation of a write that raced another: say who has the email, as the check does. */
  const explainConflict = async (error: unknown, email: string, self?: number): Promise<never> => {
    if (error instanceof AppError && error.code === 'CONFLICT') await assertEmailFree(db, email, self);
    throw error;
  };

  return {
    get: async (id) => toCustomer(await find(db, id)),

    async search({ query, status, limit, cursor }) {
      const filters = { query: query ?? '', status: status ?? null };
      const after = decodeCursor('customers', cursor, filters);
      const plan = planSearch(query ?? '');
      const words = plan?.match === undefined ? undefined : matchTerms(plan.match);
      if (plan && words) {
        // a word longer than the index keeps is found by its first WORD_MAX characters, then checked whole
        for (const term of words) {
          if (LONG_WORD.test(term) && !plan.literals.includes(fold(term))) plan.literals.push(fold(term));
        }
      }
      const p = params();
      let rows: CustomerRow[];
      let resumeAfter: number | undefined;
      if (plan === undefined) {
        const where = status
          ? `c.status = ${p.add(status)} AND c.id > ${p.add(after)}`
          : `c.id > ${p.add(after)}`;
        rows = await db.query<CustomerRow>(
          `SELECT ${COLUMNS} FROM customers c WHERE ${where} ORDER BY c.id LIMIT ${p.add(limit + 1)}`,
          p.values,
        );
      } else if (words && !status && plan.literals.length === 0) {
        // words only: the page is exact. A GIN index gives its matches in no order, so the page is
        // found in two bounded steps, in one statement: the next HEAD_ROWS customers in id order
        // (enough for a common word), and only when they hold fewer than a page, the index (cheap
        // for a rare word: its cost grows with the matches, and the statement timeout bounds it)
        const q = `cdb_match(${p.add(words)}::text[])`;
        const from = p.add(after);
        const n = p.add(limit + 1);
        rows = await db.query<CustomerRow>(
          `SELECT ${COLUMNS} FROM (${wordCandidates(q, from, n, p.add(HEAD_ROWS))}) ids JOIN customers c ON c.id = ids.id ORDER BY c.id`,
          p.values,
        );
      } else {
        // a window of at most SEARCH_WINDOW candidates, in id order, then the filters
        const candidates = words
          ? wordCandidates(
              `cdb_match(${p.add(words)}::text[])`,
              p.add(after),
              p.add(SEARCH_WINDOW),
              p.add(WINDOW_HEAD_ROWS),
            )
          : `SELECT customer_id AS id FROM customer_symbols WHERE symbol = ${p.add(plan.symbol)} AND customer_id > ${p.add(after)} ORDER BY customer_id LIMIT ${p.add(SEARCH_WINDOW)}`;
        const windowParams = [...p.values];
        const where = [
          ...(status ? [`c.status = ${p.add(status)}`] : []),
          ...(plan.literals.length
            ? [`cdb_contains_all(c.name, c.email, ${p.add(plan.literals)}::text[])`]
            : []),
        ];
        rows = await db.query<CustomerRow>(
          `SELECT ${COLUMNS} FROM (${candidates}) w JOIN customers c ON c.id = w.id WHERE ${where.join(' AND ')} ORDER BY w.id LIMIT ${p.add(limit + 1)}`,
          p.values,
        );
        if (rows.length <= limit) {
          // a short page: the window may have ended before the matches did
          const window = await one<{ examined: number; last: number | null }>(
            db,
            `SELECT count(*) AS examined, max(id) AS last FROM (${candidates}) w`,
            windowParams,
          );
          if (window && window.examined >= SEARCH_WINDOW && window.last !== null) resumeAfter = window.last;
        }
      }
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextAfter = rows.length > limit && last ? last.id : resumeAfter;
      return {
        customers: page.map(toCustomer),
        next_cursor: nextAfter === undefined ? null : encodeCursor('customers', nextAfter, filters),
      };
    },

    async create({ name, email, status = 'active' }) {
      try {
        return await db.transaction(async (tx) => {
          await assertEmailFree(tx, email);
          const at = now().toISOString();
          const created = await one<CustomerRow>(
            tx,
            `INSERT INTO customers AS c (name, email, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING ${COLUMNS}`,
            [name, email, status, at],
          );
          return toCustomer(created as CustomerRow);
        });
      } catch (error) {
        return explainConflict(error, email);
      }
    },

    async update(id, changes) {
      if (changes.name === undefined && changes.email === undefined && changes.status === undefined) {
        throw new AppError('INVALID_INPUT', 'nothing to change: give at least one of name, email, status');
      }
      let self: number | undefined;
      try {
        return await db.transaction(async (tx) => {
          const current = await find(tx, id, true);
          self = current.id;
          const next = {
            name: changes.name ?? current.name,
            email: changes.email ?? current.email,
            status: changes.status ?? current.status,
          };
          if (next.name === current.name && next.email === current.email && next.status === current.status) {
            return toCustomer(current);
          }
          if (next.email !== current.email) await assertEmailFree(tx, next.email, current.id);
          const updated = await one<CustomerRow>(
            tx,
            `UPDATE customers AS c SET name = $1, email = $2, status = $3, updated_at = $4 WHERE c.id = $5 RETURNING ${COLUMNS}`,
            [next.name, next.email, next.status, now().toISOString(), current.id],
          );
          return toCustomer(updated as CustomerRow);
        });
      } catch (error) {
        return explainConflict(error, changes.email ?? '', self);
      }
    },

    idsStartingWith: (prefix, max) => idsWithPrefix(db, 'customers', prefix, max),
  };
}

/** The one SELECT a listing runs, by its filters ($n placeholders). */
function listSql(byCustomer: boolean, byStatus: boolean): string {
  const where: string[] = [];
  let n = 0;
  if (byCustomer) where.push(`o.customer_id = $${++n}`);
  if (byStatus) where.push(`o.status = $${++n}`);
  where.push(`o.id > $${++n}`);
  return `${SELECT} WHERE ${where.join(' AND ')} ORDER BY o.id LIMIT $${++n}`;
}

export function createPgOrders(db: PgDatabase, now: () => Date): OrdersRepository {
  const find = async (r: PgRunner, id: string, lock = false): Promise<OrderRow> => {
    const rowId = parseId(id);
    const found =
      rowId === undefined
        ? undefined
        : await one<OrderRow>(r, `${SELECT} WHERE o.id = $1${lock ? ' FOR UPDATE OF o' : ''}`, [rowId]);
    if (!found) throw orderNotFound(id);
    return found;
  };

  return {
    get: async (id) => toOrder(await find(db, id)),

    async list({ customer_id, status, limit, cursor }) {
      const filters = { customer_id: customer_id ?? null, status: status ?? null };
      const after = decodeCursor('orders', cursor, filters);
      const values: unknown[] = [];
      if (customer_id !== undefined) {
        const customer = parseId(customer_id);
        if (
          customer === undefined ||
          !(await one(db, 'SELECT 1 AS found FROM customers WHERE id = $1', [customer]))
        ) {
          throw customerNotFound(customer_id);
        }
        values.push(customer);
      }
      if (status) values.push(status);
      values.push(after, limit + 1);
      const rows = await db.query<OrderRow>(listSql(customer_id !== undefined, status !== undefined), values);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        orders: page.map(toOrder),
        next_cursor: rows.length > limit && last ? encodeCursor('orders', last.id, filters) : null,
      };
    },

    updateStatus: (id, status) =>
      db.transaction(async (tx) => {
        const current = await find(tx, id, true);
        if (current.status === status) return toOrder(current);
        const allowed = ORDER_TRANSITIONS[current.status];
        if (!allowed.includes(status)) {
          const next = allowed.length
            ? `it can only become ${allowed.join(' or ')}`
            : `${current.status} is final, it cannot change`;
          throw new AppError('CONFLICT', `order ${current.id} is ${current.status}: ${next}`, {
            details: { status: current.status, allowed },
          });
        }
        await tx.query('UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3', [
          status,
          now().toISOString(),
          current.id,
        ]);
        return toOrder((await find(tx, id)) as OrderRow);
      }),

    idsStartingWith: (prefix, max) => idsWithPrefix(db, 'orders', prefix, max),
  };
}

export function createPgRepository(deps: PgRepositoryDeps): CustomerDbRepository {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  return traceRepository(
    {
      customers: createPgCustomers(db, now),
      orders: createPgOrders(db, now),
      readOnly: db.readOnly,
      async schemaSql() {
        const tables = await db.query<{ name: string; sql: string }>(
          `SELECT c.relname AS name,
           'CREATE TABLE ' || c.relname || ' (' || string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
             || coalesce(' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED', ''), ', ' ORDER BY a.attnum)
           || ')' AS sql
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum AND a.attgenerated = 's'
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
           AND c.relname IN ('customers', 'orders', 'customer_symbols')
         GROUP BY c.relname ORDER BY c.relname`,
        );
        const others = await db.query<{ sql: string }>(
          `SELECT conrelid::regclass || ': CONSTRAINT ' || conname || ' ' || pg_get_constraintdef(oid) AS sql
           FROM pg_constraint WHERE connamespace = current_schema()::regnamespace AND conrelid <> 0
             AND conrelid::regclass::text IN ('customers', 'orders', 'customer_symbols')
         UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
             AND tablename IN ('customers', 'orders', 'customer_symbols')
         UNION ALL SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
             AND tgrelid::regclass::text = 'customers'`,
        );
        const version = await pgSchemaVersion(db);
        return [
          `-- customer-db schema, version ${version} (PostgreSQL, table customer_db_schema)`,
          '-- customer status: active | inactive | blocked',
          '-- order status: processing -> shipped -> delivered, processing -> cancelled',
          '-- ids are integers here and strings in the tools; timestamps are ISO 8601 UTC text',
          ...tables.map((t) => `${t.sql};`),
          ...others.map((o) => `-- ${o.sql}`),
        ].join('\n\n');
      },
      async ping() {
        let version: number;
        try {
          version = await pgSchemaVersion(db);
        } catch (error) {
          // /readyz is public: say what, never the server's text
          throw new AppError('UNAVAILABLE', 'the database cannot be read', { cause: error });
        }
        if (version !== SCHEMA_VERSION)
          throw new AppError('UNAVAILABLE', `schema version ${version}, expected ${SCHEMA_VERSION}`);
      },
      close: () => db.close(),
    },
    'postgresql',
  );
}
