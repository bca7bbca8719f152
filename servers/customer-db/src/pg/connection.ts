// PostgreSQL: a bounded pool (node-postgres), the timeouts every statement runs under, errors
// translated, and opening = migrating once (advisory lock) plus the demo data in an empty one.
import { AppError, type Logger, Semaphore, silentLogger } from '@mcp-stack/core';
import pg from 'pg';
import { SCHEMA_VERSION } from '../db/migrations.ts';
import { seedPgDemoData } from './demo-data.ts';
import { fromPgError } from './errors.ts';
import { pgMigrate, pgSchemaVersion } from './migrations.ts';
import { redactUrl } from './url.ts';

export interface PgOptions {
  /** `postgres://user@host:5432/db` (a password in it is never logged or returned). */
  url: string;
  /** Every transaction read-only (`default_transaction_read_only`), no migrations, no demo data. */
  readOnly?: boolean;
  /** Seeds the demo customers and orders into an empty database (default true). */
  seedDemo?: boolean;
  /** Connections at most (default 10). */
  poolMax?: number;
  /** Calls waiting for a connection at most; one more fails at once with UNAVAILABLE (default 1000). */
  maxWaiting?: number;
  /** `statement_timeout` of every statement, in ms (default 5000). */
  statementTimeoutMs?: number;
  /** How long opening a connection, or waiting for a free one, may take, in ms (default 5000). */
  connectTimeoutMs?: number;
  /** `lock_timeout`: how long a write waits for a row another transaction holds, in ms (default 5000). */
  lockWaitMs?: number;
  logger?: Logger;
}

/** One statement's runner: a pooled connection, or the one a transaction holds. */
export interface PgRunner {
  query<T extends pg.QueryResultRow>(sql: string, params?: ReadonlyArray<unknown>): Promise<T[]>;
}

export interface PgDatabase extends PgRunner {
  readOnly: boolean;
  statementTimeoutMs: number;
  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: PgRunner) => Promise<T>): Promise<T>;
  /** The pool's counts (for tests and metrics). */
  stats(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

const INT8 = 20;
const types = {
  // ids and counts are bigint: numbers here (ids are at most 2^53 - 1, see db/ids.ts)
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Opens the pool, checks the schema (migrating it unless read-only) and seeds an empty database. */
export async function openPostgres(options: PgOptions): Promise<PgDatabase> {
  const logger = options.logger ?? silentLogger();
  const readOnly = options.readOnly ?? false;
  const max = options.poolMax ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    lock_timeout: options.lockWaitMs ?? 5_000,
    // a transaction left open (a crashed call) cannot hold its locks for long
    idle_in_transaction_session_timeout: Math.max(10_000, 2 * statementTimeoutMs),
    // the client's own bound, for a server that stops answering altogether
    query_timeout: statementTimeoutMs + connectTimeoutMs,
    application_name: 'mcp-server-customer-db',
    types,
  });
  // an idle connection that dies (server restart) must not crash the process
  pool.on('error', (error) =>
    logger.warn({ err: { message: error.message } }, 'idle database connection lost'),
  );
  if (readOnly) {
    // enforced by the server for every transaction of every connection, whatever the URL says
    pool.on('connect', (client) => {
      // queued before any query the pool hands this connection for; if it fails, the connection
      // is closed (every query on it then fails and the pool drops it): no write slips through
      client.query('SET default_transaction_read_only = on').catch((error: Error) => {
        logger.error({ err: { message: error.message } }, 'could not make a connection read-only');
        client.end().catch(() => undefined);
      });
    });
  }
  // pg-pool's own queue has no bound: this one does, and it waits no longer than a connect
  const gate = new Semaphore({
    limit: max,
    maxQueue: options.maxWaiting ?? 1_000,
    acquireTimeoutMs: connectTimeoutMs,
  });
  const acquire = async () => {
    try {
      return await gate.acquire();
    } catch (error) {
      throw new AppError('UNAVAILABLE', 'the database is busy: every connection is in use; retry shortly', {
        cause: error,
      });
    }
  };

  const runner = (client: pg.ClientBase): PgRunner => ({
    async query<T extends pg.QueryResultRow>(sql: string, params: ReadonlyArray<unknown> = []) {
      try {
        return (await client.query<T>(sql, params as unknown[])).rows;
      } catch (error) {
        throw fromPgError(error, statementTimeoutMs);
      }
    },
  });
  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const release = await acquire();
    try {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw fromPgError(error, statementTimeoutMs);
      }
      let broken: Error | undefined;
      try {
        return await fn(client);
      } catch (error) {
        // a connection that failed mid-transaction or timed out is not given back to others
        if (!(error instanceof AppError) || error.code === 'UNAVAILABLE') broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    } finally {
      release();
    }
  };

  const db: PgDatabase = {
    readOnly,
    statementTimeoutMs,
    query: (sql, params) => withClient((client) => runner(client).query(sql, params)),
    transaction: (fn) =>
      withClient(async (client) => {
        const tx = runner(client);
        await tx.query('BEGIN');
        try {
          const result = await fn(tx);
          await tx.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: gate.stats().pending, max }),
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };

  try {
    if (readOnly) {
      const version = await withClient((client) => pgSchemaVersion(client));
      if (version !== SCHEMA_VERSION) {
        throw new AppError(
          'UNAVAILABLE',
          `schema version ${version}, this server needs ${SCHEMA_VERSION}: start once without --read-only (or run the seed command) to create or migrate it`,
        );
      }
      return db;
    }
    const migrated = await withClient((client) =>
      pgMigrate(client, async (tx) => {
        if (!(options.seedDemo ?? true)) return;
        const seeded = await seedPgDemoData(tx);
        if (seeded)
          logger.info(
            { url: redactUrl(options.url), ...seeded },
            'seeded the demo data into an empty database',
          );
      }).catch((error: unknown) => {
        throw fromPgError(error, statementTimeoutMs);
      }),
    );
    if (migrated.from !== migrated.to)
      logger.info({ url: redactUrl(options.url), ...migrated }, 'database migrated');
    return db;
  } catch (error) {
    await db.close();
    if (error instanceof AppError) {
      // start-up fails naming the database (never its password)
      throw new AppError('UNAVAILABLE', `cannot open ${redactUrl(options.url)}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
