// The bin's own options, and how it builds the server from them.
import { type Env, envBoolean, envInt, type ServerCli } from '@mcp-stack/core';
import { z } from 'zod';
import { DEFAULT_DB_PATH_TEXT, defaultDbPath } from './data-path.ts';
import { openDatabase } from './db/connection.ts';
import { lockWaiter } from './db/lock-wait.ts';
import { isPostgresUrl, redactUrl } from './pg/url.ts';
import { createRepository } from './repository.ts';
import { createCustomerDbServer } from './server.ts';
import { VERSION } from './version.ts';

export const BIN = 'mcp-server-customer-db';
export const DEFAULT_PORT = 3002;

export const customerDbOptions = {
  dbPath: {
    env: 'CUSTOMER_DB_PATH',
    flag: '--db',
    placeholder: 'path',
    description: 'the SQLite database file (created, with its directory, when missing)',
    defaultText: DEFAULT_DB_PATH_TEXT,
    schema: z.string().min(1).optional(),
  },
  dbUrl: {
    env: 'CUSTOMER_DB_URL',
    description:
      'a PostgreSQL database instead of the SQLite file (postgres://user@host:5432/db; the password is never logged)',
    defaultText: 'none: SQLite',
    secret: true,
    schema: z.string().min(1).refine(isPostgresUrl, 'expected a postgres:// or postgresql:// URL').optional(),
  },
  poolMax: {
    env: 'CUSTOMER_DB_POOL_MAX',
    description: 'PostgreSQL: connections at most in the pool',
    defaultText: '10',
    schema: envInt(1, 1_000).default(10),
  },
  statementTimeoutMs: {
    env: 'CUSTOMER_DB_STATEMENT_TIMEOUT_MS',
    description: 'PostgreSQL: statement_timeout of every statement, in ms; then UNAVAILABLE',
    defaultText: '5000',
    schema: envInt(1, 600_000).default(5_000),
  },
  connectTimeoutMs: {
    env: 'CUSTOMER_DB_CONNECT_TIMEOUT_MS',
    description: 'PostgreSQL: how long connecting, or waiting for a free connection, may take, in ms',
    defaultText: '5000',
    schema: envInt(1, 600_000).default(5_000),
  },
  readOnly: {
    env: 'CUSTOMER_DB_READ_ONLY',
    flag: '--read-only',
    boolean: true,
    flagValue: '1',
    description: 'open the database read-only and offer only the reading tools',
    defaultText: 'off',
    schema: envBoolean().default(false),
  },
  lockWaitMs: {
    env: 'CUSTOMER_DB_LOCK_WAIT_MS',
    description:
      'how long a write waits for another process holding the write lock, in ms, without blocking other calls; then UNAVAILABLE',
    defaultText: '5000',
    schema: envInt(0, 600_000).default(5_000),
  },
  noSeed: {
    env: 'CUSTOMER_DB_NO_SEED',
    flag: '--no-seed',
    boolean: true,
    flagValue: '1',
    description: 'leave an empty database empty (no demo customers and orders)',
    defaultText: 'seed an empty one',
    schema: envBoolean().default(false),
  },
};

/** The bin's CLI; `env` fills in the default database path (the data directory variables). */
export function customerDbCli(env: Env): ServerCli<typeof customerDbOptions> {
  return {
    bin: BIN,
    version: VERSION,
    description: 'customers and orders in SQLite or PostgreSQL as MCP tools and resources',
    port: DEFAULT_PORT,
    options: customerDbOptions,
    create: async (options, { logger }) => {
      const { dbPath, dbUrl, readOnly, noSeed, lockWaitMs } = options;
      const url = dbUrl ?? (dbPath && isPostgresUrl(dbPath) ? dbPath : undefined);
      if (url !== undefined) {
        // loaded only when asked for: a SQLite server never pays for the PostgreSQL client
        const { openPostgresRepository } = await import('./pg/open.ts');
        const repository = await openPostgresRepository({
          url,
          readOnly,
          seedDemo: !noSeed,
          poolMax: options.poolMax,
          statementTimeoutMs: options.statementTimeoutMs,
          connectTimeoutMs: options.connectTimeoutMs,
          lockWaitMs,
          logger,
        });
        logger.info({ database: redactUrl(url), readOnly }, 'database open');
        // writes wait for rows in the database (lock_timeout), never on the event loop
        return createCustomerDbServer({ repository, readOnly });
      }
      const path = dbPath ?? defaultDbPath(env);
      // opening (and migrating) may wait in SQLite's busy timeout: nothing is served yet
      const db = openDatabase({ path, readOnly, seedDemo: !noSeed, logger });
      logger.info({ path, readOnly }, 'database open');
      // serving, a write never sleeps in the busy timeout: it waits for a lock on a timer
      return createCustomerDbServer({
        repository: createRepository({ db, failFastOnLock: true }),
        readOnly,
        runWrite: lockWaiter({ waitMs: lockWaitMs }),
      });
    },
  };
}
