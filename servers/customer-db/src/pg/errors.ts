// PostgreSQL failures a caller can act on, as AppErrors (by SQLSTATE); anything else stays
// internal (and hidden). No message here repeats the server's text: it may name tables or values.
import { AppError } from '@mcp-stack/core';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
]);

export function fromPgError(error: unknown, statementTimeoutMs: number): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const cause = { cause: error };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (code === '23505') return new AppError('CONFLICT', 'a record with that value already exists', cause);
    if (code === '23503') return new AppError('NOT_FOUND', 'a referenced record does not exist', cause);
    if (code === '22021' || code === '22P05')
      return new AppError(
        'INVALID_INPUT',
        'text with a NUL character (U+0000) or invalid UTF-8 cannot be stored in PostgreSQL',
        cause,
      );
    if (code.startsWith('23') || code.startsWith('22'))
      return new AppError('INVALID_INPUT', 'a value is out of range for the database', cause);
    if (code === '25006')
      return new AppError('FORBIDDEN', 'the database is open read-only: this server makes no changes', cause);
    if (code === '57014')
      return new AppError(
        'UNAVAILABLE',
        `the database did not answer within ${statementTimeoutMs} ms (CUSTOMER_DB_STATEMENT_TIMEOUT_MS); retry shortly`,
        cause,
      );
    if (code === '55P03')
      return new AppError(
        'UNAVAILABLE',
        'the database is busy: another transaction held the row for longer than this server waits (CUSTOMER_DB_LOCK_WAIT_MS); retry shortly',
        cause,
      );
    if (code === '40001' || code === '40P01')
      return new AppError('UNAVAILABLE', 'the database is busy (a conflicting write); retry shortly', cause);
    if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P'))
      return new AppError('UNAVAILABLE', 'the database is unavailable; retry shortly', cause);
    if (code === '28P01' || code === '28000' || code === '3D000' || code === '42501')
      return new AppError(
        'UNAVAILABLE',
        `the database refused this server (SQLSTATE ${code}): check the URL's user, password, database and privileges`,
        cause,
      );
    return error;
  }
  if (
    (typeof code === 'string' && CONNECTION_ERRORS.has(code)) ||
    /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connect ECONNREFUSED/i.test(
      message,
    )
  ) {
    return new AppError('UNAVAILABLE', 'the database is unavailable; retry shortly', cause);
  }
  return error;
}
