// Synthetic customers and orders into PostgreSQL (the same rows as db/synthetic.ts), with COPY:
// one transaction, the rows streamed as COPY text (pg-copy-streams), the symbol trigger off for
// the load and its rows added set-wise after, the id sequences moved past the new ids, then
// ANALYZE. Readers see the data before or after; writers wait (the trigger change locks writes).
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

export async function seedPgSynthetic(
  client: PoolClient,
  options: SyntheticOptions,
): Promise<SyntheticResult> {
  const { random, perCustomer, end, pick } = syntheticSource(options);
  await client.query('BEGIN');
  try {
    // an operator's bulk load: not bound by the serving timeouts
    await client.query("SET LOCAL statement_timeout = '30min'");
    await client.query("SET LOCAL lock_timeout = '1min'");
    await client.query('ALTER TABLE customers DISABLE TRIGGER customers_symbols');
    const maxId = async (table: string) =>
      Number((await client.query(`SELECT coalesce(max(id), 0) AS id FROM ${table}`)).rows[0].id);
    const firstId = (await maxId('customers')) + 1;
    const firstOrderId = (await maxId('orders')) + 1;
    const rows = [
      ...syntheticRows({
        firstId,
        firstOrderId,
        customers: options.customers,
        perCustomer,
        end,
        random,
        pick,
      }),
    ];
    await pipeline(
      Readable.from(chunks(rows.map((r) => line(r.customer)))),
      client.query(copyFrom('COPY customers (id, name, email, status, created_at, updated_at) FROM STDIN')),
    );
    let orders = 0;
    const orderLines = function* () {
      for (const r of rows) {
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
