// The bin's own options, and how it builds the server from them.
import { type Env, envBoolean, envInt, type ServerCli } from '@mcp-stack/core';
import { z } from 'zod';
import { DEFAULT_DB_PATH_TEXT, defaultDbPath } from './data-path.ts';
import { openDatabase } from './db/connection.ts';
import { lockWaiter } from './db/lock-wait.ts';
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
    description: 'customers and orders in SQLite as MCP tools and resources',
    port: DEFAULT_PORT,
    options: customerDbOptions,
    create: ({ dbPath, readOnly, noSeed, lockWaitMs }, { logger }) => {
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
