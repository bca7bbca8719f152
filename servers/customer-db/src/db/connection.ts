// Opening the database file: pragmas, migrations, the demo data, and the SQL functions search uses.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError, type Logger, silentLogger } from '@mcp-stack/core';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { registerSearchFunctions } from '../search.ts';
import { seedDemoData } from './demo-data.ts';
import { migrate, SCHEMA_VERSION, userVersion } from './migrations.ts';

export type { Database };

export interface OpenDatabaseOptions {
  /** The file; its directory is created when missing (not in read-only mode). */
  path: string;
  /** Opens the file read-only: no migrations, no demo data, every write refused by SQLite. */
  readOnly?: boolean;
  /** Seeds the demo customers and orders into an empty database (default true). */
  seedDemo?: boolean;
  /** How long a write waits for another process's write to finish before failing (default 5 s). */
  busyTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Opens (creating if need be) the customer database: WAL, foreign keys on, a busy timeout,
 * migrations applied, demo data in an empty one. Read-only mode opens an existing, migrated file.
 */
export function openDatabase(options: OpenDatabaseOptions): Database {
  const { path, readOnly = false, busyTimeoutMs = 5_000 } = options;
  const logger = options.logger ?? silentLogger();
  if (readOnly && path !== ':memory:' && !existsSync(path)) {
    throw new AppError(
      'UNAVAILABLE',
      `no database at ${path}: start once without --read-only (or run the seed command) to create it`,
    );
  }
  if (!readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path, { readonly: readOnly, fileMustExist: readOnly });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.pragma('foreign_keys = ON');
    registerSearchFunctions(db);
    if (readOnly) {
      const version = userVersion(db);
      if (version !== SCHEMA_VERSION) {
        throw new AppError(
          'UNAVAILABLE',
          `database ${path} has schema version ${version}, this server needs ${SCHEMA_VERSION}: start once without --read-only to migrate it`,
        );
      }
      return db;
    }
    db.pragma('journal_mode = WAL');
    // WAL makes NORMAL durable against crashes of the process (not of the machine), and fast
    db.pragma('synchronous = NORMAL');
    const migrated = migrate(db);
    if (migrated.from !== migrated.to) logger.info({ path, ...migrated }, 'database migrated');
    if (options.seedDemo ?? true) {
      const seeded = seedDemoData(db);
      if (seeded) logger.info({ path, ...seeded }, 'seeded the demo data into an empty database');
    }
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) {
      // start-up fails with the file named: "cannot open …/x.sqlite: file is not a database"
      throw new AppError('UNAVAILABLE', `cannot open ${path}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
