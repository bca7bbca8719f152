import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, describeError, formatIssuePath, invalidInput, toToolErrorResult } from './errors.ts';

describe('toToolErrorResult', () => {
  it('keeps the code and message of a known error', () => {
    const result = toToolErrorResult(new AppError('NOT_FOUND', 'no user with id 42'));
    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'NOT_FOUND: no user with id 42' }],
    });
  });

  it('hides an unknown error behind a reference, and logs its stack under that reference', () => {
    const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const logger = { error: (obj: Record<string, unknown>, msg: string) => logged.push({ obj, msg }) };
    const secret = new Error('connection string postgres://admin:pw@db failed');
    const result = toToolErrorResult(secret, { logger, newRef: () => 'ref123' });
    expect(result.content[0]?.text).toBe('INTERNAL: internal error (ref: ref123)');
    expect(JSON.stringify(result)).not.toContain('postgres');
    expect(JSON.stringify(result)).not.toContain('at ');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.obj).toMatchObject({ ref: 'ref123', err: secret });
  });

  it('treats thrown non-errors as internal too', () => {
    for (const thrown of ['a string', 42, null, undefined, { message: 'looks like an error' }]) {
      expect(toToolErrorResult(thrown).content[0]?.text).toMatch(
        /^INTERNAL: internal error \(ref: [0-9a-f]{12}\)$/,
      );
    }
  });

  it('gives each internal error its own reference', () => {
    const refs = new Set(Array.from({ length: 50 }, () => describeError(new Error('x')).ref));
    expect(refs.size).toBe(50);
  });

  it('keeps the cause of an AppError for logs without showing it', () => {
    const cause = new Error('ECONNREFUSED 10.0.0.1:5432');
    const error = new AppError('UPSTREAM_ERROR', 'users API is unavailable', { cause });
    expect(error.cause).toBe(cause);
    expect(toToolErrorResult(error).content[0]?.text).toBe('UPSTREAM_ERROR: users API is unavailable');
  });
});

describe('invalidInput', () => {
  it('names every field at fault, with array indexes', () => {
    const schema = z.object({
      user_id: z.number().int(),
      email: z.email(),
      tags: z.array(z.string()),
    });
    const parsed = schema.safeParse({ user_id: 'x', email: 'nope', tags: ['ok', 3] });
    expect(parsed.success).toBe(false);
    const error = invalidInput(parsed.error?.issues ?? []);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/^invalid input: user_id: .*; email: .*; tags\[1\]: /);
    expect(error.details).toEqual({ fields: ['user_id', 'email', 'tags[1]'] });
  });

  it('formats paths the way a caller writes them', () => {
    expect(formatIssuePath([])).toBe('(input)');
    expect(formatIssuePath(['a', 0, 'b'])).toBe('a[0].b');
  });
});
