import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AppError,
  describeError,
  formatIssuePath,
  invalidInput,
  scrubAddresses,
  toToolErrorResult,
} from './errors.ts';
import { HttpError } from './http-error.ts';

describe('toToolErrorResult', () => {
  it('keeps the code and message of a known error', () => {
    const result = toToolErrorResult(new AppError('NOT_FOUND', 'no user with id 42'));
    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'NOT_FOUND: no user with id 42' }],
      _meta: { 'mcp-stack/error': { code: 'NOT_FOUND', message: 'no user with id 42', retryable: false } },
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
    // an upstream failure is logged whole under a ref the caller can quote
    expect(toToolErrorResult(error, { newRef: () => 'r1' }).content[0]?.text).toBe(
      'UPSTREAM_ERROR: users API is unavailable (ref: r1)',
    );
    expect(toToolErrorResult(new AppError('CONFLICT', 'taken')).content[0]?.text).toBe('CONFLICT: taken');
  });
});

describe('the error data a client reads', () => {
  const meta = (error: unknown, options = {}) => toToolErrorResult(error, options)._meta['mcp-stack/error'];

  it('carries the fields at fault, the retry hint and the other details of an AppError', () => {
    expect(meta(new AppError('INVALID_INPUT', 'nope', { details: { field: 'email' } }))).toEqual({
      code: 'INVALID_INPUT',
      message: 'nope',
      fields: ['email'],
      retryable: false,
    });
    expect(
      meta(new AppError('RATE_LIMITED', 'slow down', { details: { retryAfterMs: 2000, limit: 5 } })),
    ).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      retryAfterMs: 2000,
      details: { limit: 5 },
    });
    // a detail may say a usually-retryable failure is not
    expect(meta(new AppError('UPSTREAM_ERROR', 'bad body', { details: { retryable: false } }))).toMatchObject(
      {
        retryable: false,
      },
    );
  });

  it('never shows an upstream address: the message is scrubbed and the original logged under a ref', () => {
    const logged: Array<Record<string, unknown>> = [];
    const logger = { error: (obj: Record<string, unknown>) => logged.push(obj) };
    const error = new HttpError(
      'UPSTREAM_ERROR',
      'GET http://10.1.2.3:9000/users/1 is unavailable (tried 3 times): connect ECONNREFUSED 10.1.2.3:9000',
      { method: 'GET', url: 'http://10.1.2.3:9000/users/1', attempts: 3, status: 503 },
    );
    const result = toToolErrorResult(error, { logger, newRef: () => 'ref9' });
    const shown = JSON.stringify(result);
    expect(shown).not.toMatch(/10\.1\.2\.3|http:|9000/);
    expect(result.content[0]?.text).toBe(
      'UPSTREAM_ERROR: GET /users/1 is unavailable (tried 3 times): connect ECONNREFUSED [upstream] (ref: ref9)',
    );
    expect(result._meta['mcp-stack/error']).toEqual({
      code: 'UPSTREAM_ERROR',
      message: 'GET /users/1 is unavailable (tried 3 times): connect ECONNREFUSED [upstream]',
      retryable: true,
      ref: 'ref9',
      details: { method: 'GET', attempts: 3, status: 503 },
    });
    expect(logged).toEqual([expect.objectContaining({ ref: 'ref9', err: error })]);
  });

  it('scrubs URLs of network schemes, IP literals, localhost ports and DNS names, and keeps other URIs', () => {
    expect(scrubAddresses('users API at http://localhost:8000 is down')).toBe(
      'users API at [upstream] is down',
    );
    expect(scrubAddresses('postgres://u:p@db.internal:5432/app refused')).toBe('/app refused');
    expect(scrubAddresses('getaddrinfo ENOTFOUND users-api.internal')).toBe(
      'getaddrinfo ENOTFOUND [upstream]',
    );
    expect(scrubAddresses('dial [::1]:8080 and localhost:3001')).toBe('dial [upstream] and [upstream]');
    expect(scrubAddresses('no customer-db://customers/42')).toBe('no customer-db://customers/42');
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
