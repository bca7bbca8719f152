// Opaque keyset cursors: the last id of a page, bound to the list and the filters it was made for.
import { createHash } from 'node:crypto';
import { AppError } from '@mcp-stack/core';

interface CursorBody {
  /** Which list: `customers`, `orders`, a resource listing. */
  k: string;
  /** The last id of the page before. */
  a: number;
  /** Fingerprint of the filters. */
  f: string;
}

function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

export function encodeCursor(kind: string, afterId: number, filters: unknown): string {
  const body: CursorBody = { k: kind, a: afterId, f: fingerprint(filters) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * The id to continue after (0 without a cursor). A cursor from another list, made with other
 * filters, or not made here at all is refused with `INVALID_INPUT`, rather than silently paging
 * through something else.
 */
export function decodeCursor(kind: string, cursor: string | undefined, filters: unknown): number {
  if (cursor === undefined) return 0;
  let body: Partial<CursorBody> | undefined;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    body = undefined;
  }
  if (
    !body ||
    body.k !== kind ||
    !Number.isSafeInteger(body.a) ||
    (body.a as number) < 0 ||
    body.f !== fingerprint(filters)
  ) {
    throw new AppError(
      'INVALID_INPUT',
      'cursor: not a next_cursor of this list with these filters; pass it back unchanged with the same arguments, or omit it to start over',
    );
  }
  return body.a as number;
}
