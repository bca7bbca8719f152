import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { idRangesWithPrefix, parseId } from './db/ids.ts';

describe('cursors', () => {
  it('round-trip the last id for the same list and filters', () => {
    const cursor = encodeCursor('orders', 1234, { status: 'shipped' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('orders', cursor, { status: 'shipped' })).toBe(1234);
    expect(decodeCursor('orders', undefined, {})).toBe(0);
  });

  it('refuse another list, other filters, edits and garbage', () => {
    const cursor = encodeCursor('orders', 1234, { status: 'shipped' });
    const refused = expect.objectContaining({ code: 'INVALID_INPUT' });
    expect(() => decodeCursor('customers', cursor, { status: 'shipped' })).toThrow(refused);
    expect(() => decodeCursor('orders', cursor, { status: 'delivered' })).toThrow(refused);
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const edited = Buffer.from(JSON.stringify({ ...body, a: 1.5 })).toString('base64url');
    expect(() => decodeCursor('orders', edited, { status: 'shipped' })).toThrow(refused);
    for (const junk of ['', '%%%', 'eyJ9', Buffer.from('null').toString('base64url')])
      expect(() => decodeCursor('orders', junk, {})).toThrow(refused);
  });
});

describe('ids', () => {
  it('parse only canonical positive integers', () => {
    expect(parseId('1234')).toBe(1234);
    expect(parseId('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const id of ['0', '01', '-1', '1e3', '1.0', ' 1', '1 ', '9007199254740992', '１２', ''])
      expect(parseId(id), id).toBeUndefined();
  });

  it('turn a completion prefix into primary-key ranges, shortest ids first', () => {
    expect(idRangesWithPrefix('12').slice(0, 3)).toEqual([
      [12, 12],
      [120, 129],
      [1200, 1299],
    ]);
    expect(idRangesWithPrefix('12').at(-1)?.[1]).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(idRangesWithPrefix('')).toEqual([[1, Number.MAX_SAFE_INTEGER]]);
    expect(idRangesWithPrefix('0')).toEqual([]);
    expect(idRangesWithPrefix('a')).toEqual([]);
  });
});
