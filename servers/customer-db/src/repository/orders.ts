// Orders: get, list (by customer and/or status, keyset pages), status changes along the lifecycle.
import { AppError } from '@mcp-stack/core';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { idHint, idsWithPrefix, parseId } from '../db/ids.ts';
import type { Queries } from '../db/statements.ts';
import { ORDER_TRANSITIONS, type Order, type OrderStatus } from '../schemas.ts';
import { asyncMethods } from './async.ts';
import { notFound as customerNotFound } from './customers.ts';

export interface OrderRow {
  id: number;
  customer_id: number;
  customer_name: string;
  status: OrderStatus;
  total_cents: number;
  currency: string;
  created_at: string;
  updated_at: string;
}

export interface OrderList {
  customer_id?: string | undefined;
  status?: OrderStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface OrderPage {
  orders: Order[];
  next_cursor: string | null;
}

export interface OrdersRepository {
  /** NOT_FOUND when there is none. */
  get(id: string): Promise<Order>;
  /** NOT_FOUND for an unknown customer_id (rather than an empty page). */
  list(params: OrderList): Promise<OrderPage>;
  /** Allowed transitions only (CONFLICT otherwise); the same status again changes nothing. */
  updateStatus(id: string, status: OrderStatus): Promise<Order>;
  idsStartingWith(prefix: string, max: number): Promise<string[]>;
}

/** The SQLite backend's, synchronous (better-sqlite3): the same methods without promises. */
export interface SyncOrdersRepository {
  get(id: string): Order;
  list(params: OrderList): OrderPage;
  updateStatus(id: string, status: OrderStatus): Order;
  idsStartingWith(prefix: string, max: number): string[];
}

export const SELECT = `SELECT o.id, o.customer_id, c.name AS customer_name, o.status, o.total_cents, o.currency,
  o.created_at, o.updated_at FROM orders o JOIN customers c ON c.id = o.customer_id`;

export function toOrder(row: OrderRow): Order {
  return { ...row, id: String(row.id), customer_id: String(row.customer_id) };
}

export function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `no order with id ${id}${idHint(id)}`);
}

/** The one SELECT a listing runs, by its filters. */
export function listSql(byCustomer: boolean, byStatus: boolean): string {
  const where = [...(byCustomer ? ['o.customer_id = ?'] : []), ...(byStatus ? ['o.status = ?'] : [])];
  return `${SELECT} WHERE ${[...where, 'o.id > ?'].join(' AND ')} ORDER BY o.id LIMIT ?`;
}

export function createOrdersRepository(q: Queries, now: () => Date): OrdersRepository {
  return asyncMethods(createSyncOrdersRepository(q, now));
}

export function createSyncOrdersRepository(q: Queries, now: () => Date): SyncOrdersRepository {
  const row = (id: number) => q.get<OrderRow>(`${SELECT} WHERE o.id = ?`, id);

  const find = (id: string): OrderRow => {
    const rowId = parseId(id);
    const found = rowId === undefined ? undefined : row(rowId);
    if (!found) throw notFound(id);
    return found;
  };

  return {
    get: (id) => toOrder(find(id)),

    list({ customer_id, status, limit, cursor }) {
      const filters = { customer_id: customer_id ?? null, status: status ?? null };
      const after = decodeCursor('orders', cursor, filters);
      const params: unknown[] = [];
      if (customer_id !== undefined) {
        const customer = parseId(customer_id);
        if (customer === undefined || !q.get('SELECT 1 FROM customers WHERE id = ?', customer)) {
          throw customerNotFound(customer_id);
        }
        params.push(customer);
      }
      if (status) params.push(status);
      params.push(after, limit + 1);
      const rows = q.all<OrderRow>(listSql(customer_id !== undefined, status !== undefined), ...params);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        orders: page.map(toOrder),
        next_cursor: rows.length > limit && last ? encodeCursor('orders', last.id, filters) : null,
      };
    },

    updateStatus(id, status) {
      return q.write(() => {
        const current = find(id);
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
        q.run(
          'UPDATE orders SET status = ?, updated_at = ? WHERE id = ?',
          status,
          now().toISOString(),
          current.id,
        );
        return toOrder(row(current.id) as OrderRow);
      });
    },

    idsStartingWith(prefix, max) {
      return idsWithPrefix(q, 'orders', prefix, max);
    },
  };
}
