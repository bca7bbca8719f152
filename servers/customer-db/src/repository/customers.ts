// Customers: get, search (full-text, symbols, status, keyset pages), create, update, id completion.
import { AppError } from '@mcp-stack/core';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { idHint, idsWithPrefix, parseId } from '../db/ids.ts';
import type { Queries } from '../db/statements.ts';
import { type Customer, type CustomerStatus, SEARCH_WINDOW } from '../schemas.ts';
import { planSearch, type SearchPlan } from '../search.ts';
import { asyncMethods } from './async.ts';

export interface CustomerRow {
  id: number;
  name: string;
  email: string;
  status: CustomerStatus;
  created_at: string;
  updated_at: string;
}

export interface CustomerSearch {
  query?: string | undefined;
  status?: CustomerStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface NewCustomer {
  name: string;
  email: string;
  status?: CustomerStatus | undefined;
}

export interface CustomerChanges {
  name?: string | undefined;
  email?: string | undefined;
  status?: CustomerStatus | undefined;
}

export interface CustomerPage {
  customers: Customer[];
  next_cursor: string | null;
}

export interface CustomersRepository {
  /** NOT_FOUND when there is none. */
  get(id: string): Promise<Customer>;
  search(params: CustomerSearch): Promise<CustomerPage>;
  /** CONFLICT when the email (any case) is taken. */
  create(input: NewCustomer): Promise<Customer>;
  /** Changes only what differs; NOT_FOUND, CONFLICT on a taken email. */
  update(id: string, changes: CustomerChanges): Promise<Customer>;
  /** Up to `max` ids starting with `prefix`, shortest first. */
  idsStartingWith(prefix: string, max: number): Promise<string[]>;
}

/** The SQLite backend's, synchronous (better-sqlite3): the same methods without promises. */
export interface SyncCustomersRepository {
  get(id: string): Customer;
  search(params: CustomerSearch): CustomerPage;
  create(input: NewCustomer): Customer;
  update(id: string, changes: CustomerChanges): Customer;
  idsStartingWith(prefix: string, max: number): string[];
}

export const COLUMNS = 'c.id, c.name, c.email, c.status, c.created_at, c.updated_at';

export function toCustomer(row: CustomerRow): Customer {
  return { ...row, id: String(row.id) };
}

export function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `no customer with id ${id}${idHint(id)}`);
}

export interface SearchStatements {
  /** The page: up to `limit + 1` customers, in id order. */
  page: string;
  /**
   * When the page is filtered beyond its index (status, literal terms): how many candidates the
   * window held and the last one, so a short page can say where the next call goes on.
   */
  window?: string;
}

/**
 * The statements a search runs, by the shape of its plan (so the shapes are few and fixed). A
 * search that filters what its index finds examines a window of at most SEARCH_WINDOW
 * candidates, in id order, and no more: a filter that matches none of them costs that much, not
 * a walk over every customer. Parameters: the index's (MATCH text or symbol), the cursor's id,
 * then for a window its size, then status, literal terms (JSON) and the page size.
 */
export function searchStatements(plan: SearchPlan | undefined, byStatus: boolean): SearchStatements {
  const literals = Boolean(plan?.literals.length);
  if (plan?.match === undefined && plan?.symbol === undefined) {
    // no words: the primary key, or the status index (exact, so the page's LIMIT bounds it)
    const from = byStatus ? 'customers c INDEXED BY customers_status' : 'customers c';
    const where = byStatus ? 'c.status = ? AND c.id > ?' : 'c.id > ?';
    return { page: `SELECT ${COLUMNS} FROM ${from} WHERE ${where} ORDER BY c.id LIMIT ?` };
  }
  const candidates =
    plan.match !== undefined
      ? 'SELECT rowid AS id FROM customers_fts WHERE customers_fts MATCH ? AND rowid > ? ORDER BY rowid'
      : 'SELECT customer_id AS id FROM customer_symbols WHERE symbol = ? AND customer_id > ? ORDER BY customer_id';
  if (!byStatus && !literals) {
    // words only (a symbol always comes with its literal term): the full-text index is exact,
    // so the page's LIMIT bounds it; the plain join, the hot path's shape
    return {
      page: `SELECT ${COLUMNS} FROM customers_fts JOIN customers c ON c.id = customers_fts.rowid WHERE customers_fts MATCH ? AND customers_fts.rowid > ? ORDER BY customers_fts.rowid LIMIT ?`,
    };
  }
  // CROSS JOIN: SQLite keeps the window as the outer loop, so rows come in its order, unsorted
  const where = [
    ...(byStatus ? ['c.status = ?'] : []),
    ...(literals ? ['cdb_contains_all(c.name, c.email, ?)'] : []),
  ];
  return {
    page: `SELECT ${COLUMNS} FROM (${candidates} LIMIT ?) w CROSS JOIN customers c ON c.id = w.id WHERE ${where.join(' AND ')} ORDER BY w.id LIMIT ?`,
    window: `SELECT count(*) AS examined, max(id) AS last FROM (${candidates} LIMIT ?)`,
  };
}

export function createCustomersRepository(q: Queries, now: () => Date): CustomersRepository {
  return asyncMethods(createSyncCustomersRepository(q, now));
}

export function createSyncCustomersRepository(q: Queries, now: () => Date): SyncCustomersRepository {
  const row = (id: number) => q.get<CustomerRow>(`SELECT ${COLUMNS} FROM customers c WHERE c.id = ?`, id);

  const find = (id: string): CustomerRow => {
    const rowId = parseId(id);
    const found = rowId === undefined ? undefined : row(rowId);
    if (!found) throw notFound(id);
    return found;
  };

  const assertEmailFree = (email: string, self?: number) => {
    const holder = q.get<{ id: number }>('SELECT id FROM customers WHERE email = ?', email);
    if (holder && holder.id !== self) {
      throw new AppError(
        'CONFLICT',
        `email ${email} is taken by customer ${holder.id}; use another email, or update_customer on ${holder.id}`,
      );
    }
  };

  return {
    get: (id) => toCustomer(find(id)),

    search({ query, status, limit, cursor }) {
      const filters = { query: query ?? '', status: status ?? null };
      const after = decodeCursor('customers', cursor, filters);
      const plan = planSearch(query ?? '');
      const statements = searchStatements(plan, status !== undefined);
      const lookup = plan?.match ?? plan?.symbol;
      let rows: CustomerRow[];
      let resumeAfter: number | undefined;
      if (lookup === undefined) {
        rows = q.all<CustomerRow>(statements.page, ...(status ? [status] : []), after, limit + 1);
      } else if (!statements.window) {
        rows = q.all<CustomerRow>(statements.page, lookup, after, limit + 1);
      } else {
        const filterParams = [
          ...(status ? [status] : []),
          ...(plan?.literals.length ? [JSON.stringify(plan.literals)] : []),
        ];
        rows = q.all<CustomerRow>(statements.page, lookup, after, SEARCH_WINDOW, ...filterParams, limit + 1);
        if (rows.length <= limit) {
          // a short page: the window may have ended before the matches did
          const window = q.get<{ examined: number; last: number | null }>(
            statements.window,
            lookup,
            after,
            SEARCH_WINDOW,
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

    create({ name, email, status = 'active' }) {
      return q.write(() => {
        assertEmailFree(email);
        const at = now().toISOString();
        const { lastInsertRowid } = q.run(
          'INSERT INTO customers (name, email, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          name,
          email,
          status,
          at,
          at,
        );
        return toCustomer(row(Number(lastInsertRowid)) as CustomerRow);
      });
    },

    update(id, changes) {
      if (changes.name === undefined && changes.email === undefined && changes.status === undefined) {
        throw new AppError('INVALID_INPUT', 'nothing to change: give at least one of name, email, status');
      }
      return q.write(() => {
        const current = find(id);
        const next = {
          name: changes.name ?? current.name,
          email: changes.email ?? current.email,
          status: changes.status ?? current.status,
        };
        if (next.name === current.name && next.email === current.email && next.status === current.status) {
          return toCustomer(current);
        }
        if (next.email !== current.email) assertEmailFree(next.email, current.id);
        q.run(
          'UPDATE customers SET name = ?, email = ?, status = ?, updated_at = ? WHERE id = ?',
          next.name,
          next.email,
          next.status,
          now().toISOString(),
          current.id,
        );
        return toCustomer(row(current.id) as CustomerRow);
      });
    },

    idsStartingWith(prefix, max) {
      return idsWithPrefix(q, 'customers', prefix, max);
    },
  };
}
