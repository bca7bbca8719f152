// SQLite failures a caller can act on, as AppErrors; anything else stays internal (and hidden).
import { AppError } from '@mcp-stack/core';

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function fromSqliteError(error: unknown): unknown {
  const code = sqliteCode(error);
  if (!code) return error;
  const cause = { cause: error };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new AppError(
      'UNAVAILABLE',
      'the database is busy (another process holds the write lock); retry shortly',
      cause,
    );
  if (code.startsWith('SQLITE_READONLY'))
    return new AppError('FORBIDDEN', 'the database is open read-only: this server makes no changes', cause);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return new AppError('CONFLICT', 'a record with that value already exists', cause);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
    return new AppError('NOT_FOUND', 'a referenced record does not exist', cause);
  if (code.startsWith('SQLITE_CONSTRAINT'))
    return new AppError('INVALID_INPUT', 'a value is out of range for the database', cause);
  return error;
}
