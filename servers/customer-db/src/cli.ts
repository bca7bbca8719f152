// The bin's own options, and how it builds the server from them.
import { type Env, envBoolean, type ServerCli } from '@mcp-stack/core';
import { z } from 'zod';
import { DEFAULT_DB_PATH_TEXT, defaultDbPath } from './data-path.ts';
import { openDatabase } from './db/connection.ts';
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
    create: ({ dbPath, readOnly, noSeed }, { logger }) => {
      const path = dbPath ?? defaultDbPath(env);
      const db = openDatabase({ path, readOnly, seedDemo: !noSeed, logger });
      logger.info({ path, readOnly }, 'database open');
      return createCustomerDbServer({ repository: createRepository({ db }), readOnly });
    },
  };
}
