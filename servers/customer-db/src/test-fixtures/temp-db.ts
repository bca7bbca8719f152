// A real database file in a fresh temp directory, for tests; `cleanup()` closes and deletes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, type OpenDatabaseOptions, openDatabase } from '../db/connection.ts';
import type { QueryHook } from '../db/statements.ts';
import { type CustomerDbRepository, createRepository } from '../repository.ts';

export interface TempDb {
  dir: string;
  path: string;
  db: Database;
  repository: CustomerDbRepository;
  cleanup(): void;
}

/** A fixed clock that moves one second per call, so timestamps are predictable and ordered. */
export function steppingClock(start = Date.parse('2026-01-01T00:00:00.000Z')): () => Date {
  let t = start;
  return () => {
    const now = new Date(t);
    t += 1_000;
    return now;
  };
}

export function tempDir(prefix = 'customer-db-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openTempDb(
  options: Omit<OpenDatabaseOptions, 'path'> & {
    now?: () => Date;
    onQuery?: QueryHook;
    failFastOnLock?: boolean;
  } = {},
): TempDb {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'customers.sqlite');
  const { now, onQuery, failFastOnLock, ...open } = options;
  const db = openDatabase({ path, ...open });
  const repository = createRepository({
    db,
    now: now ?? steppingClock(),
    ...(onQuery && { onQuery }),
    ...(failFastOnLock && { failFastOnLock }),
  });
  return {
    dir,
    path,
    db,
    repository,
    cleanup: () => {
      repository.close();
      cleanup();
    },
  };
}

/**
 * For spawned processes: blanks (an empty value counts as unset) the variables that would point a
 * test at a developer's real database or change the transport, port, host or auth.
 */
export const CLEAN_ENV: Record<string, string> = {
  CUSTOMER_DB_PATH: '',
  CUSTOMER_DB_READ_ONLY: '',
  CUSTOMER_DB_NO_SEED: '',
  MCP_STACK_DATA_DIR: '',
  MCP_TRANSPORT: '',
  MCP_HOST: '',
  MCP_PORT: '',
  MCP_STATEFUL: '',
  MCP_API_KEYS: '',
  MCP_JWT_JWKS_URL: '',
};
