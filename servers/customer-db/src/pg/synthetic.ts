// Synthetic customers and orders into PostgreSQL (the same rows as db/synthetic.ts), with COPY:
// one transaction, the rows streamed as COPY text (pg-copy-streams), the symbol trigger off for
// the load and its rows added set-wise after, the id sequences moved past the new ids, then
// ANALYZE. Readers see the data before or after; writers wait (the trigger change locks writes).
// A load larger than what is there drops the secondary indexes and the foreign key and builds them
// after (readers wait then too).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  type SyntheticOptions,
  type SyntheticResult,
  syntheticRows,
  syntheticSource,
} from '../db/synthetic.ts';
import { syncIdSequences } from './demo-data.ts';

/** COPY's text format: tab-separated, with backslash, tab, newline and carriage return escaped. */
function copyField(value: string | number): string {
  const text = String(value);
  return /[\\\t\n\r]/.test(text)
    ? text.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
    : text;
}

const line = (values: ReadonlyArray<string | number>) => `${values.map(copyField).join('\t')}\n`;

/** Lines grouped into chunks of about 64 KB, so the stream is not one write per row. */
function* chunks(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const text of lines) {
    chunk += text;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** The secondary indexes and foreign keys a large load drops and builds again after. */
async function dropForLoad(client: PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ drop: string; create: string }>(
    `SELECT format('DROP INDEX %I', indexname) AS drop, indexdef AS create FROM pg_indexes
       WHERE schemaname = current_schema() AND tablename IN ('customers', 'orders', 'customer_symbols')
         AND indexname NOT IN ('customers_pkey', 'orders_pkey', 'customer_symbols_pkey')
     UNION ALL
     SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
            format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
       FROM pg_constraint WHERE connamespace = current_schema()::regnamespace AND contype = 'f'
         AND conrelid::regclass::text = 'orders'`,
  );
  for (const row of rows) await client.query(row.drop);
  return rows.map((row) => row.create);
}

export async function seedPgSynthetic(
  client: PoolClient,
  options: SyntheticOptions,
): Promise<SyntheticResult> {
  await client.query('BEGIN');
  try {
    // an operator's bulk load: not bound by the serving timeouts
    await client.query("SET LOCAL statement_timeout = '60min'");
    await client.query("SET LOCAL lock_timeout = '1min'");
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    const stats = (
      await client.query<{ n: string; first: string; order: string }>(
        `SELECT (SELECT count(*) FROM customers) AS n, (SELECT coalesce(max(id), 0) + 1 FROM customers) AS first,
                (SELECT coalesce(max(id), 0) + 1 FROM orders) AS order`,
      )
    ).rows[0] as { n: string; first: string; order: string };
    const firstId = Number(stats.first);
    const firstOrderId = Number(stats.order);
    // more rows than there are: building the indexes once after is far cheaper than keeping them
    // up row by row (but readers then wait for the load, as for any DDL: seed a database no one serves)
    const rebuild = Number(stats.n) < options.customers ? await dropForLoad(client) : [];
    await client.query('ALTER TABLE customers DISABLE TRIGGER customers_symbols');
    // the generator runs twice from the same seed (customers, then orders): the same rows, without
    // holding millions of them in memory
    const rows = () => {
      const { random, perCustomer, end, pick } = syntheticSource(options);
      return syntheticRows({
        firstId,
        firstOrderId,
        customers: options.customers,
        perCustomer,
        end,
        random,
        pick,
      });
    };
    const customerLines = function* () {
      for (const r of rows()) yield line(r.customer);
    };
    await pipeline(
      Readable.from(chunks(customerLines())),
      client.query(copyFrom('COPY customers (id, name, email, status, created_at, updated_at) FROM STDIN')),
    );
    let orders = 0;
    const orderLines = function* () {
      for (const r of rows()) {
        for (const o of r.orders) {
          orders++;
          yield line(o);
        }
      }
    };
    await pipeline(
      Readable.from(chunks(orderLines())),
      client.query(
        copyFrom(
          'COPY orders (id, customer_id, status, total_cents, currency, created_at, updated_at) FROM STDIN',
        ),
      ),
    );
    // what the trigger would have done, set-wise, for the new rows only
    await client.query(
      `INSERT INTO customer_symbols (symbol, customer_id)
         SELECT s, c.id FROM customers c, cdb_symbols_of(c.name, c.email) AS s WHERE c.id >= $1
       ON CONFLICT DO NOTHING`,
      [firstId],
    );
    for (const sql of rebuild) await client.query(sql);
    await client.query('ALTER TABLE customers ENABLE TRIGGER customers_symbols');
    await syncIdSequences(client);
    await client.query('COMMIT');
    await client.query('ANALYZE customers, orders, customer_symbols');
    return { customers: options.customers, orders, firstId, lastId: firstId + options.customers - 1 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
