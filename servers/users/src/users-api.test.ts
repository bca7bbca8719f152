import { AppError } from '@mcp-stack/core';
import { captureLogs } from '@mcp-stack/core/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUsersApiClient, type UsersApiClientOptions } from './users-api.ts';

const BASE = 'http://users.test';
const KEY = 'outbound-key-0123456789';
const server = setupServer();
/** Every request the API saw, as `METHOD /path?query`. */
const seen: string[] = [];
const bodies: unknown[] = [];
let sleeps: number[] = [];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.pathname}${url.search}`);
  });
});
beforeEach(() => {
  seen.length = 0;
  bodies.length = 0;
  sleeps = [];
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(options: Partial<UsersApiClientOptions> = {}) {
  return createUsersApiClient({
    baseUrl: BASE,
    apiKey: KEY,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

const alice = {
  id: 42,
  username: 'alice',
  email: 'alice@example.com',
  created_at: '2026-01-01T00:00:00.000Z',
};
const refusal = (status: number, code: string, message: string, field?: string) => () =>
  HttpResponse.json({ error: { code, ...(field && { field }), message } }, { status });
const unavailable = () => new HttpResponse('down', { status: 503 });

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const text = (error: AppError) => `${error.code}: ${error.message}`;

describe('users API client: errors an agent can act on', () => {
  it('NOT_FOUND: no user with id 42, after one request (a 404 is not retried)', async () => {
    server.use(http.get(`${BASE}/users/42`, refusal(404, 'NOT_FOUND', 'no user with id 42', 'id')));
    expect(text(await failure(client().get(42)))).toBe('NOT_FOUND: no user with id 42');
    expect(seen).toEqual(['GET /users/42']);
  });

  it('CONFLICT: username alice is taken, from one POST', async () => {
    server.use(
      http.post(`${BASE}/users/register`, refusal(409, 'CONFLICT', 'username alice is taken', 'username')),
    );
    const error = await failure(
      client().register({ username: 'alice', email: 'a@example.com', password: 'pw-12345678' }),
    );
    expect(text(error)).toBe('CONFLICT: username alice is taken');
    expect(error.details).toMatchObject({ field: 'username' });
    expect(seen).toEqual(['POST /users/register']);
  });

  it('INVALID_INPUT naming the field the API refused, even when its body was cut short', async () => {
    server.use(
      http.post(
        `${BASE}/users/register`,
        refusal(422, 'INVALID_INPUT', 'email: expected an email address like name@example.com', 'email'),
      ),
      http.patch(
        `${BASE}/users/7`,
        refusal(422, 'INVALID_INPUT', `password: ${'x'.repeat(300)}`, 'password'),
      ),
    );
    const error = await failure(
      client().register({ username: 'bob', email: 'nope', password: 'pw-12345678' }),
    );
    expect(text(error)).toBe('INVALID_INPUT: email: expected an email address like name@example.com');
    expect(error.details).toMatchObject({ field: 'email' });
    const long = await failure(client().update(7, { password: 'pw-12345678' }));
    expect(long.code).toBe('INVALID_INPUT');
    expect(long.message).toMatch(/^password: x+…$/);
    expect(long.details).toMatchObject({ field: 'password' });
  });

  it('UPSTREAM_ERROR for a wrong API key, saying which setting to fix', async () => {
    server.use(http.get(`${BASE}/users/1`, refusal(401, 'UNAUTHORIZED', 'missing or wrong API key')));
    expect(text(await failure(client().get(1)))).toBe(
      `UPSTREAM_ERROR: the users API refused this server's credentials (401): set USERS_API_KEY to the key the API expects`,
    );
  });

  it('UPSTREAM_ERROR for a 404 that is not about a user (USERS_API_URL points elsewhere)', async () => {
    server.use(http.get(`${BASE}/users/1`, () => new HttpResponse('Not Found', { status: 404 })));
    expect(text(await failure(client().get(1)))).toBe(
      `UPSTREAM_ERROR: the users API answered 404 for GET /users/1: check USERS_API_URL`,
    );
  });

  it('UPSTREAM_ERROR for an answer that does not match the contract', async () => {
    server.use(http.get(`${BASE}/users/1`, () => HttpResponse.json({ id: 'one' })));
    const error = await failure(client().get(1));
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toContain('the users API: GET /users/1 answered an unexpected body: id:');
    // the same call brings the same body: not worth a retry
    expect(error.details).toMatchObject({ retryable: false });
  });
});

describe('users API client: answer size', () => {
  it('refuses an answer over maxResponseBytes after one request, naming the setting', async () => {
    const huge = JSON.stringify({ ...alice, username: 'a'.repeat(4096) });
    server.use(
      http.get(
        `${BASE}/users/42`,
        () => new HttpResponse(huge, { headers: { 'content-type': 'application/json' } }),
      ),
    );
    const error = await failure(client({ maxResponseBytes: 2048 }).get(42));
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toBe(
      `the users API answered GET /users/42 with more than 2048 bytes (USERS_API_MAX_RESPONSE_BYTES); the answer was refused unread`,
    );
    expect(seen).toEqual(['GET /users/42']);
    expect(sleeps).toEqual([]);
  });

  it('reads a full page of 100 users well within the default of 1 MiB', async () => {
    const users = Array.from({ length: 100 }, (_, i) => ({
      ...alice,
      id: i + 1,
      username: `user_${'x'.repeat(26)}${i}`.slice(0, 32),
      email: `${'e'.repeat(240)}${i}@example.com`.slice(-254),
    }));
    server.use(http.get(`${BASE}/users`, () => HttpResponse.json({ users, next_cursor: 'c' })));
    await expect(client().list({ limit: 100 })).resolves.toMatchObject({ next_cursor: 'c' });
  });
});

describe('users API client: retries', () => {
  it('retries a GET on 503 and returns the user once it answers', async () => {
    let calls = 0;
    server.use(http.get(`${BASE}/users/42`, () => (++calls < 3 ? unavailable() : HttpResponse.json(alice))));
    await expect(client().get(42)).resolves.toEqual(alice);
    expect(seen).toEqual(['GET /users/42', 'GET /users/42', 'GET /users/42']);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after 1 + retries GETs: UPSTREAM_ERROR ... is unavailable (tried 3 times)', async () => {
    server.use(http.get(`${BASE}/users`, unavailable));
    expect(text(await failure(client().list({})))).toBe(
      `UPSTREAM_ERROR: the users API is unavailable (tried 3 times)`,
    );
    expect(seen).toHaveLength(3);
    expect(text(await failure(client({ retries: 0 }).list({})))).toMatch(/\(tried 1 time\)$/);
  });

  it('never retries a POST or a PATCH: one request each, even on 503', async () => {
    server.use(http.post(`${BASE}/users/register`, unavailable), http.patch(`${BASE}/users/42`, unavailable));
    const register = await failure(
      client().register({ username: 'x', email: 'x@example.com', password: 'pw-12345678' }),
    );
    expect(text(register)).toBe(`UPSTREAM_ERROR: the users API is unavailable (tried 1 time)`);
    const update = await failure(client().update(42, { email: 'new@example.com' }));
    expect(update.code).toBe('UPSTREAM_ERROR');
    expect(seen).toEqual(['POST /users/register', 'PATCH /users/42']);
    expect(sleeps).toEqual([]);
  });

  it('retries a DELETE (idempotent) on 503', async () => {
    let calls = 0;
    server.use(
      http.delete(`${BASE}/users/42`, () =>
        ++calls < 2 ? unavailable() : new HttpResponse(null, { status: 204 }),
      ),
    );
    await expect(client().remove(42)).resolves.toBeUndefined();
    expect(seen).toEqual(['DELETE /users/42', 'DELETE /users/42']);
  });

  it('reports an unreachable API as unavailable, with the tries', async () => {
    server.use(http.get(`${BASE}/users/1`, () => HttpResponse.error()));
    expect(text(await failure(client().get(1)))).toBe(
      `UPSTREAM_ERROR: the users API is unavailable (tried 3 times)`,
    );
  });

  it('gives up on a slow API after the time limit: UPSTREAM_TIMEOUT', async () => {
    server.use(
      http.get(`${BASE}/users/1`, async ({ request }) => {
        await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
        return HttpResponse.json(alice);
      }),
    );
    const error = await failure(client({ timeoutMs: 50, retries: 1 }).get(1));
    expect(text(error)).toBe(`UPSTREAM_TIMEOUT: the users API did not answer in time (tried 2 times)`);
  });

  it('says a change that got no answer may have been made, so the agent looks before sending it again', async () => {
    const hang = async ({ request }: { request: Request }) => {
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
      return HttpResponse.json(alice);
    };
    server.use(http.post(`${BASE}/users/register`, hang), http.patch(`${BASE}/users/42`, hang));
    const register = await failure(
      client({ timeoutMs: 50 }).register({ username: 'x', email: 'x@example.com', password: 'pw-12345678' }),
    );
    expect(text(register)).toBe(
      `UPSTREAM_TIMEOUT: the users API did not answer in time (tried 1 time); the change may have been made ` +
        'before the connection was lost: check with get_user or list_users before sending it again',
    );
    const update = await failure(client({ timeoutMs: 50 }).update(42, { email: 'new@example.com' }));
    expect(text(update)).toMatch(/\(tried 1 time\); the change may have been made/);
    // an answered refusal says nothing of the kind: it was not made
    server.use(http.post(`${BASE}/users/register`, unavailable));
    const refused = await failure(
      client().register({ username: 'x', email: 'x@example.com', password: 'pw-12345678' }),
    );
    expect(text(refused)).toBe(`UPSTREAM_ERROR: the users API is unavailable (tried 1 time)`);
  });
});

describe('users API client: cache', () => {
  it('serves a repeated GET from the cache, per URL and query', async () => {
    server.use(
      http.get(`${BASE}/users/42`, () => HttpResponse.json(alice)),
      http.get(`${BASE}/users`, () => HttpResponse.json({ users: [alice], next_cursor: null })),
    );
    const api = client();
    await api.get(42);
    await api.get(42);
    await Promise.all([api.list({ query: 'ali' }), api.list({ query: 'ali' })]);
    await api.list({ query: 'bob' });
    expect(seen).toEqual(['GET /users/42', 'GET /users?q=ali', 'GET /users?q=bob']);
  });

  it('drops cached GETs after any successful change, and keeps them after a failed one', async () => {
    let email = alice.email;
    server.use(
      http.get(`${BASE}/users/42`, () => HttpResponse.json({ ...alice, email })),
      http.patch(`${BASE}/users/42`, async ({ request }) => {
        const body = (await request.json()) as { email?: string };
        if (body.email === 'taken@example.com')
          return refusal(409, 'CONFLICT', 'email taken@example.com is taken', 'email')();
        email = body.email ?? email;
        return HttpResponse.json({ ...alice, email });
      }),
      http.post(`${BASE}/users/register`, () =>
        HttpResponse.json({ ...alice, id: 43, username: 'bob' }, { status: 201 }),
      ),
      http.delete(`${BASE}/users/43`, () => new HttpResponse(null, { status: 204 })),
    );
    const api = client();
    expect((await api.get(42)).email).toBe('alice@example.com');
    await failure(api.update(42, { email: 'taken@example.com' }));
    expect((await api.get(42)).email).toBe('alice@example.com'); // still cached
    await api.update(42, { email: 'new@example.com' });
    expect((await api.get(42)).email).toBe('new@example.com'); // refetched
    await api.get(42);
    await api.register({ username: 'bob', email: 'bob@example.com', password: 'pw-12345678' });
    await api.get(42); // a registration drops cached users too
    await api.remove(43);
    await api.get(42);
    expect(seen.filter((line) => line === 'GET /users/42')).toHaveLength(4);
  });

  it('keeps entries only for the TTL, and can be turned off', async () => {
    server.use(http.get(`${BASE}/users/42`, () => HttpResponse.json(alice)));
    const off = client({ cacheTtlMs: 0 });
    await off.get(42);
    await off.get(42);
    expect(seen).toHaveLength(2);
    const short = client({ cacheTtlMs: 20 });
    await short.get(42);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await short.get(42);
    expect(seen).toHaveLength(4);
  });
});

describe('users API client: what it sends', () => {
  it('sends the API key as a bearer token and the body as JSON; logs neither key nor password', async () => {
    const logs = captureLogs();
    let authorization: string | null = null;
    server.use(
      http.post(`${BASE}/users/register`, async ({ request }) => {
        authorization = request.headers.get('authorization');
        bodies.push(await request.json());
        return HttpResponse.json(alice, { status: 201 });
      }),
    );
    await client({ logger: logs.logger }).register({
      username: 'alice',
      email: 'alice@example.com',
      password: 'never-log-this-password',
    });
    expect(authorization).toBe(`Bearer ${KEY}`);
    expect(bodies).toEqual([
      { username: 'alice', email: 'alice@example.com', password: 'never-log-this-password' },
    ]);
    expect(logs.text()).toContain('"msg":"http request"');
    expect(logs.text()).not.toContain('never-log-this-password');
    expect(logs.text()).not.toContain(KEY);
  });

  it('sends no Authorization without a key, and only the given list parameters', async () => {
    let authorization: string | null = 'unset';
    server.use(
      http.get(`${BASE}/users`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json({ users: [], next_cursor: null });
      }),
    );
    await client({ apiKey: undefined }).list({ limit: 5, cursor: 'abc' });
    expect(authorization).toBeNull();
    expect(seen).toEqual(['GET /users?limit=5&cursor=abc']);
  });

  it('drops fields the contract does not have (a leaked hash never reaches a tool)', async () => {
    server.use(
      http.get(`${BASE}/users/42`, () => HttpResponse.json({ ...alice, password_hash: 'scrypt$...' })),
    );
    expect(await client().get(42)).toEqual(alice);
  });
});
