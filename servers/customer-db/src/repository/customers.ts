// Customers: get, search (full-text, symbols, status, keyset pages), create, update, id completion.
import { AppError } from '@mcp-stack/core';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { idHint, idsWithPrefix, parseId } from '../db/ids.ts';
import type { Queries } from '../db/statements.ts';
import type { Customer, CustomerStatus } from '../schemas.ts';
import { planSearch, type SearchPlan } from '../search.ts';

interface CustomerRow {
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
  get(id: string): Customer;
  search(params: CustomerSearch): CustomerPage;
  /** CONFLICT when the email (any case) is taken. */
  create(input: NewCustomer): Customer;
  /** Changes only what differs; NOT_FOUND, CONFLICT on a taken email. */
  update(id: string, changes: CustomerChanges): Customer;
  /** Up to `max` ids starting with `prefix`, shortest first. */
  idsStartingWith(prefix: string, max: number): string[];
}

const COLUMNS = 'c.id, c.name, c.email, c.status, c.created_at, c.updated_at';

function toCustomer(row: CustomerRow): Customer {
  return { ...row, id: String(row.id) };
}

export function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `no customer with id ${id}${idHint(id)}`);
}

/** The one SELECT a search runs, by the shape of its plan (so the shapes are few and fixed). */
export function searchSql(plan: SearchPlan | undefined, byStatus: boolean): string {
  let from = 'customers c';
  let key = 'c.id';
  const where: string[] = [];
  if (plan?.match !== undefined) {
    from = 'customers_fts JOIN customers c ON c.id = customers_fts.rowid';
    key = 'customers_fts.rowid';
    where.push('customers_fts MATCH ?');
  } else if (plan?.symbol !== undefined) {
    from = 'customer_symbols s JOIN customers c ON c.id = s.customer_id';
    key = 's.customer_id';
    where.push('s.symbol = ?');
  }
  where.push(`${key} > ?`);
  if (byStatus) where.push('c.status = ?');
  if (plan?.literals.length) where.push('cdb_contains_all(c.name, c.email, ?)');
  return `SELECT ${COLUMNS} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${key} LIMIT ?`;
}

export function createCustomersRepository(q: Queries, now: () => Date): CustomersRepository {
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
      const params: unknown[] = [];
      if (plan?.match !== undefined) params.push(plan.match);
      else if (plan?.symbol !== undefined) params.push(plan.symbol);
      params.push(after);
      if (status) params.push(status);
      if (plan?.literals.length) params.push(JSON.stringify(plan.literals));
      params.push(limit + 1);
      const rows = q.all<CustomerRow>(searchSql(plan, status !== undefined), ...params);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        customers: page.map(toCustomer),
        next_cursor: rows.length > limit && last ? encodeCursor('customers', last.id, filters) : null,
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
