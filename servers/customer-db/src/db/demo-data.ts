// The small demo data set an empty database starts with: customers 1234 (Alice Johnson) and 2345
// (Bob Smith) of the customer-lookup example, so "what's the status of order 1234?" has an answer.
import type { Database } from 'better-sqlite3';
import type { CustomerStatus, OrderStatus } from '../schemas.ts';

type DemoCustomer = [id: number, name: string, email: string, status: CustomerStatus, created_at: string];
type DemoOrder = [
  id: number,
  customer_id: number,
  status: OrderStatus,
  total_cents: number,
  currency: string,
  created_at: string,
  updated_at: string,
];

export const DEMO_CUSTOMERS: ReadonlyArray<DemoCustomer> = [
  [1234, 'Alice Johnson', 'alice@example.com', 'active', '2025-01-15T09:30:00.000Z'],
  [2345, 'Bob Smith', 'bob@example.com', 'active', '2025-02-03T14:05:00.000Z'],
  [3456, 'Carol Díaz', 'carol.diaz@example.com', 'active', '2025-03-21T11:45:00.000Z'],
  [4567, "Dan O'Brien", 'dan.obrien@example.com', 'inactive', '2025-04-08T16:20:00.000Z'],
  [5678, 'Zoë Ångström', 'zoe@example.se', 'blocked', '2025-05-30T08:10:00.000Z'],
];

export const DEMO_ORDERS: ReadonlyArray<DemoOrder> = [
  [1234, 1234, 'shipped', 4999, 'USD', '2025-06-01T10:00:00.000Z', '2025-06-02T08:30:00.000Z'],
  [1235, 1234, 'delivered', 1250, 'USD', '2025-05-10T12:00:00.000Z', '2025-05-14T17:45:00.000Z'],
  [2345, 2345, 'processing', 8900, 'USD', '2025-06-03T09:15:00.000Z', '2025-06-03T09:15:00.000Z'],
  [3456, 3456, 'cancelled', 2500, 'EUR', '2025-05-22T13:40:00.000Z', '2025-05-23T07:00:00.000Z'],
  [4567, 4567, 'delivered', 15999, 'USD', '2025-04-18T15:00:00.000Z', '2025-04-25T11:00:00.000Z'],
  [5678, 5678, 'processing', 34900, 'SEK', '2025-06-04T06:55:00.000Z', '2025-06-04T06:55:00.000Z'],
];

/** Seeds the demo data when there are no customers yet; says what it added, or undefined. */
export function seedDemoData(db: Database): { customers: number; orders: number } | undefined {
  return db
    .transaction(() => {
      if (db.prepare('SELECT 1 FROM customers LIMIT 1').get() !== undefined) return undefined;
      const customer = db.prepare(
        'INSERT INTO customers (id, name, email, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const [id, name, email, status, created] of DEMO_CUSTOMERS)
        customer.run(id, name, email, status, created, created);
      const order = db.prepare(
        'INSERT INTO orders (id, customer_id, status, total_cents, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const row of DEMO_ORDERS) order.run(...row);
      return { customers: DEMO_CUSTOMERS.length, orders: DEMO_ORDERS.length };
    })
    .immediate();
}
