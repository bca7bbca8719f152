import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, ORDER_TRANSITIONS, type OrderStatus } from '../schemas.ts';
import { BACKENDS, openBackend, type TestBackend } from '../test-fixtures/backends.ts';

describe.each(BACKENDS)('%s', (backend) => {
  let t: TestBackend;
  beforeEach(async () => {
    t = await openBackend(backend);
  });
  afterEach(() => t.cleanup());

  /** Adds an order in a given status straight into the table (no tool creates orders). */
  async function addOrder(customerId: number, status: OrderStatus): Promise<string> {
    const id = await t.scalar(
      `INSERT INTO orders (customer_id, status, total_cents, currency, created_at, updated_at) VALUES (${Number(customerId)}, '${status}', 1000, 'USD', 'then', 'then') RETURNING id`,
    );
    return String(id);
  }

  describe('orders repository', () => {
    it('gets order 1234 with its customer’s name', async () => {
      expect(await t.repository.orders.get('1234')).toEqual({
        id: '1234',
        customer_id: '1234',
        customer_name: 'Alice Johnson',
        status: 'shipped',
        total_cents: 4999,
        currency: 'USD',
        created_at: '2025-06-01T10:00:00.000Z',
        updated_at: '2025-06-02T08:30:00.000Z',
      });
      await expect(t.repository.orders.get('9')).rejects.toThrow(
        expect.objectContaining({ code: 'NOT_FOUND', message: 'no order with id 9' }),
      );
      await expect(t.repository.orders.get('#1234')).rejects.toThrow(
        expect.objectContaining({
          code: 'NOT_FOUND',
          message: 'no order with id #1234 (ids are digits, like "1234")',
        }),
      );
    });

    it('lists by customer, by status, by both, or all, in id order', async () => {
      const orders = t.repository.orders;
      const ids = (page: { orders: Array<{ id: string }> }) => page.orders.map((o) => o.id);
      expect(ids(await orders.list({ limit: 20 }))).toEqual(['1234', '1235', '2345', '3456', '4567', '5678']);
      expect(ids(await orders.list({ customer_id: '1234', limit: 20 }))).toEqual(['1234', '1235']);
      expect(ids(await orders.list({ status: 'processing', limit: 20 }))).toEqual(['2345', '5678']);
      expect(ids(await orders.list({ customer_id: '1234', status: 'delivered', limit: 20 }))).toEqual([
        '1235',
      ]);
      expect(ids(await orders.list({ customer_id: '2345', status: 'delivered', limit: 20 }))).toEqual([]);
    });

    it('says NOT_FOUND for the orders of a customer that does not exist', async () => {
      await expect(t.repository.orders.list({ customer_id: '999', limit: 20 })).rejects.toThrow(
        expect.objectContaining({ code: 'NOT_FOUND', message: 'no customer with id 999' }),
      );
      await expect(t.repository.orders.list({ customer_id: 'abc', limit: 20 })).rejects.toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    });

    it('pages one customer’s orders with a cursor bound to the filters', async () => {
      const orders = t.repository.orders;
      for (let i = 0; i < 7; i++) await addOrder(2345, 'delivered');
      const first = await orders.list({ customer_id: '2345', limit: 3 });
      expect(first.orders.map((o) => o.id)).toEqual(['2345', '5679', '5680']);
      const second = await orders.list({
        customer_id: '2345',
        limit: 3,
        cursor: first.next_cursor as string,
      });
      const third = await orders.list({
        customer_id: '2345',
        limit: 3,
        cursor: second.next_cursor as string,
      });
      expect([...second.orders, ...third.orders].map((o) => o.id)).toEqual([
        '5681',
        '5682',
        '5683',
        '5684',
        '5685',
      ]);
      expect(third.next_cursor).toBeNull();
      await expect(
        orders.list({ customer_id: '1234', limit: 3, cursor: first.next_cursor as string }),
      ).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    });

    it('allows exactly the lifecycle’s transitions, and the same status again as a no-op', async () => {
      const orders = t.repository.orders;
      for (const from of ORDER_STATUSES) {
        for (const to of ORDER_STATUSES) {
          const id = await addOrder(1234, from);
          const before = await orders.get(id);
          if (from === to) {
            expect(await orders.updateStatus(id, to), `${from} -> ${to}`).toEqual(before);
          } else if (ORDER_TRANSITIONS[from].includes(to)) {
            const after = await orders.updateStatus(id, to);
            expect(after.status, `${from} -> ${to}`).toBe(to);
            expect(after.updated_at).not.toBe(before.updated_at);
          } else {
            await expect(orders.updateStatus(id, to), `${from} -> ${to}`).rejects.toThrow(
              expect.objectContaining({
                code: 'CONFLICT',
                message: expect.stringContaining(`order ${id} is ${from}: `),
              }),
            );
            expect(await orders.get(id)).toEqual(before);
          }
        }
      }
      // allowed: processing→shipped, processing→cancelled, shipped→delivered
      expect(Object.values(ORDER_TRANSITIONS).flat()).toHaveLength(3);
    });

    it('explains what a refused transition could have been', async () => {
      await expect(t.repository.orders.updateStatus('1234', 'cancelled')).rejects.toThrow(
        'order 1234 is shipped: it can only become delivered',
      );
      await expect(t.repository.orders.updateStatus('1235', 'shipped')).rejects.toThrow(
        'order 1235 is delivered: delivered is final, it cannot change',
      );
      await expect(t.repository.orders.updateStatus('2345', 'delivered')).rejects.toThrow(
        'order 2345 is processing: it can only become shipped or cancelled',
      );
    });

    it('completes order ids', async () => {
      expect(await t.repository.orders.idsStartingWith('12', 101)).toEqual(['1234', '1235']);
      expect(await t.repository.orders.idsStartingWith('', 2)).toEqual(['1234', '1235']);
    });
  });
});
