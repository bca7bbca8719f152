// The customer database as one object: customers, orders, the schema, a readiness check, close.
import { AppError } from '@mcp-stack/core';
import type { Database } from 'better-sqlite3';
import { SCHEMA_VERSION, userVersion } from './db/migrations.ts';
import { createQueries, type QueryHook } from './db/statements.ts';
import { type CustomersRepository, createCustomersRepository } from './repository/customers.ts';
import { createOrdersRepository, type OrdersRepository } from './repository/orders.ts';
import { traceRepository } from './repository/traced.ts';

export interface RepositoryDeps {
  /** An open database (see `openDatabase`); the repository closes it. */
  db: Database;
  /** The clock for created_at and updated_at (default: the system clock). */
  now?: () => Date;
  /** Sees every statement run, with its parameters (query-plan tests, tracing). */
  onQuery?: QueryHook;
  /**
   * A write finding another process's write lock fails at once with UNAVAILABLE instead of
   * sleeping in SQLite's busy timeout, which blocks the thread (the server retries it with
   * `lockWaiter`, off the event loop). Default false: writes wait in the busy timeout.
   */
  failFastOnLock?: boolean;
}

export interface CustomerDbRepository {
  customers: CustomersRepository;
  orders: OrdersRepository;
  /** True when the database was opened read-only. */
  readOnly: boolean;
  /** The schema as SQL (tables, indexes, triggers), for the `customer-db://schema` resource. */
  schemaSql(): Promise<string>;
  /** Rejects when the database cannot be read or has the wrong schema (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createRepository(deps: RepositoryDeps): CustomerDbRepository {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const q = createQueries(db, { onQuery: deps.onQuery, failFastOnLock: deps.failFastOnLock });
  return traceRepository(
    {
      customers: createCustomersRepository(q, now),
      orders: createOrdersRepository(q, now),
      readOnly: db.readonly,
      async schemaSql() {
        const rows = q.all<{ type: string; name: string; sql: string }>(
          "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('table', 'index', 'trigger') ORDER BY rowid",
        );
        const own = rows.filter((r) => !r.name.startsWith('sqlite_') && !r.name.startsWith('customers_fts_'));
        return [
          `-- customer-db schema, version ${userVersion(db)} (PRAGMA user_version)`,
          '-- customer status: active | inactive | blocked',
          '-- order status: processing -> shipped -> delivered, processing -> cancelled',
          '-- ids are integers here and strings in the tools; timestamps are ISO 8601 UTC text',
          ...own.map((r) => `${r.sql};`),
        ].join('\n\n');
      },
      async ping() {
        if (!db.open) throw new AppError('UNAVAILABLE', 'the database is closed');
        let version: number;
        try {
          version = userVersion(db); // reads the file's header: fails when the file is unreadable
        } catch (error) {
          // /readyz is public: say what, never SQLite's text (it may name paths)
          throw new AppError('UNAVAILABLE', 'the database cannot be read', { cause: error });
        }
        if (version !== SCHEMA_VERSION)
          throw new AppError('UNAVAILABLE', `schema version ${version}, expected ${SCHEMA_VERSION}`);
      },
      async close() {
        if (db.open) db.close();
      },
    },
    'sqlite',
  );
}
