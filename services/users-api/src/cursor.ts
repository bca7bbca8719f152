import { AppError } from '@mcp-stack/core';

// A page cursor is the last id of the previous page, wrapped so clients treat it as opaque.

const PREFIX = 'users:after:';

export function encodeCursor(afterId: number): string {
  return Buffer.from(`${PREFIX}${afterId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!/^\d{1,16}$/.test(id) || !Number.isSafeInteger(Number(id))) {
    throw new AppError(
      'INVALID_INPUT',
      'cursor: not a cursor this API issued; pass next_cursor back unchanged',
      {
        details: { field: 'cursor' },
      },
    );
  }
  return Number(id);
}
