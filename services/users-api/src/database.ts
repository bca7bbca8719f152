import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a write waits for another connection's lock before SQLITE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
}

/** Schema versions, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: ReadonlyArray<string> = [
  `CREATE TABLE users (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     username      TEXT NOT NULL,
     email         TEXT NOT NULL COLLATE NOCASE,
     password_hash TEXT NOT NULL,
     created_at    TEXT NOT NULL,
     CONSTRAINT users_username_unique UNIQUE (username),
     CONSTRAINT users_email_unique UNIQUE (email)
   ) STRICT;`,
];

/**
 * Opens (creating when missing) the users database: WAL so readers never wait for the writer, a
 * busy timeout so concurrent writers (other processes included) queue instead of failing, and
 * the schema migrated to the current version in one immediate transaction.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `the users database is at schema version ${version}, newer than this users-api knows (${MIGRATIONS.length}): upgrade users-api`,
      );
    }
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
