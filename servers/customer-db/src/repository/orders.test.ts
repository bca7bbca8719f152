import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, ORDER_TRANSITIONS, type OrderStatus } from '../schemas.ts';
import { openTempDb, type TempDb } from '../test-fixtures/temp-db.ts';

let t: TempDb;
beforeEach(() => {
  t = openTempDb();
});
afterEach(() => t.cleanup());

/** Adds an order in a given status straight into the table (no tool creates orders). */
function addOrder(customerId: number, status: OrderStatus): string {
  const info = t.db
    .prepare(
      "INSERT INTO orders (customer_id, status, total_cents, currency, created_at, updated_at) VALUES (?, ?, 1000, 'USD', 'then', 'then')",
    )
    .run(customerId, status);
  return String(info.lastInsertRowid);
}

describe('orders repository', () => {
  it('gets order 1234 with its customer’s name', () => {
    expect(t.repository.orders.get('1234')).toEqual({
      id: '1234',
      customer_id: '1234',
      customer_name: 'Alice Johnson',
      status: 'shipped',
      total_cents: 4999,
      currency: 'USD',
      created_at: '2025-06-01T10:00:00.000Z',
      updated_at: '2025-06-02T08:30:00.000Z',
    });
    expect(() => t.repository.orders.get('9')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: 'no order with id 9' }),
    );
    expect(() => t.repository.orders.get('#1234')).toThrow(
      expect.objectContaining({
        code: 'NOT_FOUND',
        message: 'no order with id #1234 (ids are digits, like "1234")',
      }),
    );
  });

  it('lists by customer, by status, by both, or all, in id order', () => {
    const orders = t.repository.orders;
    const ids = (page: { orders: Array<{ id: string }> }) => page.orders.map((o) => o.id);
    expect(ids(orders.list({ limit: 20 }))).toEqual(['1234', '1235', '2345', '3456', '4567', '5678']);
    expect(ids(orders.list({ customer_id: '1234', limit: 20 }))).toEqual(['1234', '1235']);
    expect(ids(orders.list({ status: 'processing', limit: 20 }))).toEqual(['2345', '5678']);
    expect(ids(orders.list({ customer_id: '1234', status: 'delivered', limit: 20 }))).toEqual(['1235']);
    expect(ids(orders.list({ customer_id: '2345', status: 'delivered', limit: 20 }))).toEqual([]);
  });

  it('says NOT_FOUND for the orders of a customer that does not exist', () => {
    expect(() => t.repository.orders.list({ customer_id: '999', limit: 20 })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: 'no customer with id 999' }),
    );
    expect(() => t.repository.orders.list({ customer_id: 'abc', limit: 20 })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('pages one customer’s orders with a cursor bound to the filters', () => {
    const orders = t.repository.orders;
    for (let i = 0; i < 7; i++) addOrder(2345, 'delivered');
    const first = orders.list({ customer_id: '2345', limit: 3 });
    expect(first.orders.map((o) => o.id)).toEqual(['2345', '5679', '5680']);
    const second = orders.list({ customer_id: '2345', limit: 3, cursor: first.next_cursor as string });
    const third = orders.list({ customer_id: '2345', limit: 3, cursor: second.next_cursor as string });
    expect([...second.orders, ...third.orders].map((o) => o.id)).toEqual([
      '5681',
      '5682',
      '5683',
      '5684',
      '5685',
    ]);
    expect(third.next_cursor).toBeNull();
    expect(() => orders.list({ customer_id: '1234', limit: 3, cursor: first.next_cursor as string })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('allows exactly the lifecycle’s transitions, and the same status again as a no-op', () => {
    const orders = t.repository.orders;
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const id = addOrder(1234, from);
        const before = orders.get(id);
        if (from === to) {
          expect(orders.updateStatus(id, to), `${from} -> ${to}`).toEqual(before);
        } else if (ORDER_TRANSITIONS[from].includes(to)) {
          const after = orders.updateStatus(id, to);
          expect(after.status, `${from} -> ${to}`).toBe(to);
          expect(after.updated_at).not.toBe(before.updated_at);
        } else {
          expect(() => orders.updateStatus(id, to), `${from} -> ${to}`).toThrow(
            expect.objectContaining({
              code: 'CONFLICT',
              message: expect.stringContaining(`order ${id} is ${from}: `),
            }),
          );
          expect(orders.get(id)).toEqual(before);
        }
      }
    }
    // allowed: processing→shipped, processing→cancelled, shipped→delivered
    expect(Object.values(ORDER_TRANSITIONS).flat()).toHaveLength(3);
  });

  it('explains what a refused transition could have been', () => {
    expect(() => t.repository.orders.updateStatus('1234', 'cancelled')).toThrow(
      'order 1234 is shipped: it can only become delivered',
    );
    expect(() => t.repository.orders.updateStatus('1235', 'shipped')).toThrow(
      'order 1235 is delivered: delivered is final, it cannot change',
    );
    expect(() => t.repository.orders.updateStatus('2345', 'delivered')).toThrow(
      'order 2345 is processing: it can only become shipped or cancelled',
    );
  });

  it('completes order ids', () => {
    expect(t.repository.orders.idsStartingWith('12', 101)).toEqual(['1234', '1235']);
    expect(t.repository.orders.idsStartingWith('', 2)).toEqual(['1234', '1235']);
  });
});
