import { captureLogs } from '@mcp-stack/core/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, parseHash } from './passwords.ts';
import { type RunningUsersApi, startUsersApi } from './serve.ts';
import { removeTempDirs, tempDbPath } from './test-fixtures/temp.ts';

const KEY = 'test-api-key-0123456789';
const CHEAP = { N: 1024, r: 8, p: 1 };
const PASSWORD = 'correct horse battery staple';

let api: RunningUsersApi;
let dbPath: string;
const logs = captureLogs();
let unknownVerifies = 0;

beforeAll(async () => {
  dbPath = tempDbPath();
  const hasher = createPasswordHasher({ params: CHEAP });
  api = await startUsersApi({
    dbPath,
    port: 0,
    apiKey: KEY,
    logger: logs.logger,
    maxBodyBytes: 4096,
    passwords: {
      ...hasher,
      verifyUnknown: (password) => {
        unknownVerifies++;
        return hasher.verifyUnknown(password);
      },
    },
  });
});
afterAll(async () => {
  await api?.close();
  removeTempDirs();
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? KEY}`;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined && {
      body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

let serial = 0;
async function register(overrides: Record<string, unknown> = {}) {
  serial++;
  const body = {
    username: `user${serial}`,
    email: `user${serial}@example.com`,
    password: PASSWORD,
    ...overrides,
  };
  return call('POST', '/users/register', { body });
}

function storedHash(id: number): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT password_hash FROM users WHERE id = ?').pluck().get(id) as string;
  } finally {
    db.close();
  }
}

describe('POST /users/register', () => {
  it('answers 201 with the user and its Location, never the password', async () => {
    const answer = await register({ username: 'alice', email: 'alice@example.com' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.any(Number),
      username: 'alice',
      email: 'alice@example.com',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Number.isInteger(answer.body.id)).toBe(true);
    expect(answer.headers.get('location')).toBe(`/users/${answer.body.id}`);
    expect(JSON.stringify(answer.body)).not.toContain(PASSWORD);
  });

  it('stores a salted scrypt hash: two users with one password get different hashes', async () => {
    const a = await register();
    const b = await register();
    const [hashA, hashB] = [storedHash(a.body.id), storedHash(b.body.id)];
    expect(hashA).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(hashA).not.toBe(hashB);
    expect(parseHash(hashA)?.salt.equals(parseHash(hashB)?.salt as Buffer)).toBe(false);
    expect(hashA).not.toContain(PASSWORD);
  });

  it('refuses a taken username or email (any case) with 409 naming the field', async () => {
    await register({ username: 'taken', email: 'taken@example.com' });
    const byName = await register({ username: 'taken' });
    expect(byName.status).toBe(409);
    expect(byName.body).toEqual({
      error: { code: 'CONFLICT', field: 'username', message: 'username taken is taken' },
    });
    const byEmail = await register({ email: 'TAKEN@example.com' });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.error).toMatchObject({ code: 'CONFLICT', field: 'email' });
  });

  it.each([
    ['username', { username: 'Alice' }, /expected 3 to 32 characters of a-z, 0-9, _, \. or -/],
    ['username', { username: 'ab' }, /expected 3 to 32/],
    ['username', { username: 'a'.repeat(33) }, /expected 3 to 32/],
    ['username', { username: 42 }, /expected a string/],
    ['email', { email: 'not-an-email' }, /expected an email address/],
    ['password', { password: 'short' }, /expected at least 8 characters/],
    ['password', { password: undefined }, /expected a string/],
    ['role', { role: 'admin' }, /role: unknown field/],
  ])('answers 422 INVALID_INPUT naming %s', async (field, overrides, message) => {
    const answer = await register(overrides);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(answer.body.error.message).toMatch(message);
    expect(answer.body.error.message).not.toContain('short'.repeat(2));
  });

  it('names every field at fault in one message', async () => {
    const answer = await call('POST', '/users/register', { body: { username: 'X', email: 'x' } });
    expect(answer.body.error.message).toMatch(/^username: .*; email: .*; password: /);
  });

  it('answers 400 for a body that is not JSON or empty, 415 for another content type', async () => {
    expect((await call('POST', '/users/register', { body: '{"username":' })).body.error).toEqual({
      code: 'INVALID_INPUT',
      message: 'the body is not valid JSON',
    });
    expect(
      (await call('POST', '/users/register', { body: '', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(400);
    const form = await call('POST', '/users/register', {
      body: 'username=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 for a body over the limit, declared or chunked', async () => {
    const big = { username: 'big', email: 'big@example.com', password: 'x'.repeat(5000) };
    const declared = await call('POST', '/users/register', { body: big });
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const bytes = new TextEncoder().encode(JSON.stringify(big));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    const chunked = await fetch(`${api.url}/users/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // the service still answers afterwards
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});

describe('passwords with a lone surrogate', () => {
  // UTF-8 has no form for half a UTF-16 pair: hashed, it would become U+FFFD, so "pass\ud800word"
  // and "pass\udbffword" (and a real U+FFFD) would be one password
  it.each([
    ['register', () => register({ password: 'pass\ud800word' })],
    [
      'update',
      async () =>
        call('PATCH', `/users/${(await register()).body.id}`, { body: { password: '\udc00passwords' } }),
    ],
    [
      'verify',
      () => call('POST', '/users/verify', { body: { username: 'user1', password: 'pass\ud800word' } }),
    ],
  ])('are refused by %s with 422 naming the password', async (_case, send) => {
    const answer = await send();
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'password' });
    expect(answer.body.error.message).toMatch(/lone surrogate/);
  });

  it('take a well-formed astral character, which verifies only as itself', async () => {
    const created = await register({ password: 'emoji 😀 password' });
    expect(created.status).toBe(201);
    const { username } = created.body;
    expect(
      (await call('POST', '/users/verify', { body: { username, password: 'emoji 😀 password' } })).status,
    ).toBe(200);
    expect(
      (await call('POST', '/users/verify', { body: { username, password: 'emoji \ufffd password' } })).status,
    ).toBe(401);
  });
});

describe('POST /users/verify', () => {
  it('answers 200 with the id for the right password, 401 for a wrong one or an unknown user', async () => {
    const { body: user } = await register({ username: 'verified' });
    const right = await call('POST', '/users/verify', { body: { username: 'verified', password: PASSWORD } });
    expect(right).toMatchObject({ status: 200, body: { valid: true, id: user.id } });
    const wrong = await call('POST', '/users/verify', {
      body: { username: 'verified', password: 'wrong password' },
    });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'wrong username or password' } },
    });
    const before = unknownVerifies;
    const unknown = await call('POST', '/users/verify', { body: { username: 'nobody', password: PASSWORD } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    // the unknown user cost a scrypt derivation too, so timing does not tell whether it exists
    expect(unknownVerifies).toBe(before + 1);
  });
});

describe('GET /users/{id}', () => {
  it('answers 200 with the user, 404 for an unknown id, 400 for a malformed one', async () => {
    const { body: user } = await register();
    expect(await call('GET', `/users/${user.id}`)).toMatchObject({ status: 200, body: user });
    expect(await call('GET', '/users/999999')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', field: 'id', message: 'no user with id 999999' } },
    });
    for (const id of ['abc', '0', '-1', '1.5', '1e3', '99999999999999999']) {
      const answer = await call('GET', `/users/${id}`);
      expect(answer.status, id).toBe(400);
      expect(answer.body.error, id).toMatchObject({ code: 'INVALID_INPUT', field: 'id' });
    }
  });
});

describe('GET /users', () => {
  it('pages through every user with an opaque cursor, oldest first', async () => {
    for (let i = 0; i < 12; i++) await register({ username: `page${String(i).padStart(2, '0')}` });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor
        ? `?limit=5&q=page&cursor=${encodeURIComponent(cursor)}`
        : '?limit=5&q=page';
      const answer = await call('GET', `/users${query}`);
      expect(answer.status).toBe(200);
      expect(answer.body.users.length).toBeLessThanOrEqual(5);
      seen.push(...answer.body.users.map((u: { id: number }) => u.id));
      cursor = answer.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('defaults to 20 a page and takes % and _ in q literally', async () => {
    for (let i = 0; i < 21; i++) await register();
    const page = await call('GET', '/users');
    expect(page.body.users).toHaveLength(20);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    await register({ username: 'under_score' });
    expect((await call('GET', '/users?q=_')).body.users.map((u: any) => u.username)).toEqual(['under_score']);
    // a wildcard would match everyone; taken literally it matches no one (emails cannot hold %)
    expect((await call('GET', '/users?q=%25')).body.users).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=bm90IG91cnM', 'cursor'],
    [`q=${'x'.repeat(101)}`, 'q'],
    // a NUL used to end the LIKE pattern early and list every user; no name or email has a control
    ['q=%00', 'q'],
    ['q=user%00', 'q'],
    ['q=%0A', 'q'],
    ['q=a%1Bb', 'q'],
    ['sort=name', 'sort'],
  ])('answers 400 for %s, naming %s', async (query, field) => {
    const answer = await call('GET', `/users?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_INPUT', field });
  });
});

describe('PATCH /users/{id}', () => {
  it('changes the email and the password, then verify takes the new password only', async () => {
    const { body: user } = await register();
    const changed = await call('PATCH', `/users/${user.id}`, {
      body: { email: 'changed@example.com', password: 'a brand new password' },
    });
    expect(changed).toMatchObject({ status: 200, body: { ...user, email: 'changed@example.com' } });
    const verify = (password: string) =>
      call('POST', '/users/verify', { body: { username: user.username, password } });
    expect((await verify('a brand new password')).status).toBe(200);
    expect((await verify(PASSWORD)).status).toBe(401);
  });

  it('answers 404, 409, and 422 for nothing to change or a field that cannot change', async () => {
    const { body: user } = await register();
    await register({ email: 'occupied@example.com' });
    expect((await call('PATCH', '/users/999999', { body: { email: 'z@example.com' } })).status).toBe(404);
    expect(
      await call('PATCH', `/users/${user.id}`, { body: { email: 'occupied@example.com' } }),
    ).toMatchObject({
      status: 409,
      body: { error: { code: 'CONFLICT', field: 'email' } },
    });
    expect(await call('PATCH', `/users/${user.id}`, { body: {} })).toMatchObject({
      status: 422,
      body: { error: { field: 'body', message: 'body: nothing to change: give email and/or password' } },
    });
    expect(await call('PATCH', `/users/${user.id}`, { body: { username: 'renamed' } })).toMatchObject({
      status: 422,
      body: { error: { field: 'username' } },
    });
  });
});

describe('DELETE /users/{id}', () => {
  it('answers 204, then the user is gone (404 on get and on a second delete)', async () => {
    const { body: user } = await register();
    const deleted = await call('DELETE', `/users/${user.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await call('GET', `/users/${user.id}`)).status).toBe(404);
    expect((await call('DELETE', `/users/${user.id}`)).status).toBe(404);
  });
});

describe('auth, routing and logs', () => {
  it('needs the API key on every route but /healthz', async () => {
    expect(await call('GET', '/healthz', { key: null })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    for (const [method, path] of [
      ['GET', '/users'],
      ['GET', '/users/1'],
      ['POST', '/users/register'],
      ['GET', '/openapi.json'],
      ['GET', '/nowhere'],
    ] as const) {
      for (const key of [null, 'wrong-key', `${KEY}x`, KEY.slice(0, -1)]) {
        const answer = await call(method, path, { key, ...(method === 'POST' && { body: {} }) });
        expect(answer.status, `${method} ${path} ${key}`).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="users-api"');
        expect(answer.body.error.code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    expect(await call('GET', '/nowhere')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    const wrong = await call('GET', '/users/register');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await call('PUT', '/users/1', { body: {} })).headers.get('allow')).toBe('GET, PATCH, DELETE');
  });

  it('serves the OpenAPI document it generated', async () => {
    const answer = await call('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.1');
    expect(Object.keys(answer.body.paths)).toContain('/users/{id}');
  });

  it('logs each request without the password, the API key or the query', async () => {
    await register({ username: 'logged', password: 'do-not-log-this-password' });
    await call('GET', '/users?q=secret-search-term');
    const text = logs.text();
    expect(text).toContain('"msg":"listening"');
    expect(text).toMatch(/"method":"POST","path":"\/users\/register","status":201/);
    expect(text).not.toContain('do-not-log-this-password');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('secret-search-term');
  });
});

describe('internal failures', () => {
  it('answer 500 with a reference and log the details under it', async () => {
    const broken = await startUsersApi({ dbPath: tempDbPath(), port: 0, logger: logs.logger, scrypt: CHEAP });
    broken.db.close();
    const answer = await fetch(`${broken.url}/users/1`);
    const body = (await answer.json()) as { error: { code: string; message: string } };
    expect(answer.status).toBe(500);
    expect(body.error.code).toBe('INTERNAL');
    const ref = /ref: ([0-9a-f]{12})/.exec(body.error.message)?.[1];
    expect(ref).toBeDefined();
    expect(body.error.message).not.toContain('database');
    expect(logs.text()).toContain(`"ref":"${ref}"`);
    await broken.close();
  });
});
