// The demo data (db/demo-data.ts) into an empty PostgreSQL database, inside the migration's
// transaction (under its advisory lock: replicas starting together seed it once).
import type { PoolClient } from 'pg';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from '../db/demo-data.ts';

export async function seedPgDemoData(
  tx: Pick<PoolClient, 'query'>,
): Promise<{ customers: number; orders: number } | undefined> {
  if ((await tx.query('SELECT 1 FROM customers LIMIT 1')).rows.length > 0) return undefined;
  for (const [id, name, email, status, created] of DEMO_CUSTOMERS) {
    await tx.query(
      'INSERT INTO customers (id, name, email, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)',
      [id, name, email, status, created],
    );
  }
  for (const row of DEMO_ORDERS) {
    await tx.query(
      'INSERT INTO orders (id, customer_id, status, total_cents, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      row,
    );
  }
  await syncIdSequences(tx);
  return { customers: DEMO_CUSTOMERS.length, orders: DEMO_ORDERS.length };
}

/** After rows with explicit ids: the next generated id is the largest + 1, as SQLite's rowid. */
export async function syncIdSequences(tx: Pick<PoolClient, 'query'>): Promise<void> {
  for (const table of ['customers', 'orders']) {
    await tx.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${table}), 0) + 1, false)`,
    );
  }
}
