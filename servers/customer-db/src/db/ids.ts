import type { Queries } from './statements.ts';

// Ids are integers in SQLite (rowid keys: compact, ordered, fast) and strings outside it.

const ID = /^[1-9][0-9]{0,15}$/;

/** The row id for an id string, or undefined when it cannot be one (`007`, `#12`, `12a`, `'; --`). */
export function parseId(id: string): number | undefined {
  if (!ID.test(id)) return undefined;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A hint for an id that is not digits: what ids look like. */
export function idHint(id: string): string {
  return ID.test(id) ? '' : ' (ids are digits, like "1234")';
}

/**
 * The id ranges whose decimal form starts with `prefix`, shortest ids first: "12" gives [12, 12],
 * [120, 129], [1200, 1299], … up to 16 digits. Lets completion use the primary key, not a scan.
 */
export function idRangesWithPrefix(prefix: string): Array<[number, number]> {
  if (prefix === '') return [[1, Number.MAX_SAFE_INTEGER]];
  if (!ID.test(prefix)) return [];
  const ranges: Array<[number, number]> = [];
  for (let digits = prefix.length; digits <= 16; digits++) {
    const scale = 10 ** (digits - prefix.length);
    const low = Number(prefix) * scale;
    const high = (Number(prefix) + 1) * scale - 1;
    if (low > Number.MAX_SAFE_INTEGER) break;
    ranges.push([low, Math.min(high, Number.MAX_SAFE_INTEGER)]);
  }
  return ranges;
}

/** Up to `max` ids of `table` whose decimal form starts with `prefix`, in order, each range by index. */
export function idsWithPrefix(
  q: Queries,
  table: 'customers' | 'orders',
  prefix: string,
  max: number,
): string[] {
  const ids: string[] = [];
  for (const [low, high] of idRangesWithPrefix(prefix)) {
    const rows = q.all<{ id: number }>(
      `SELECT id FROM ${table} WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?`,
      low,
      high,
      max - ids.length,
    );
    ids.push(...rows.map((r) => String(r.id)));
    if (ids.length >= max) break;
  }
  return ids;
}
