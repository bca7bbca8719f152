import { setTimeout as delay } from 'node:timers/promises';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TtlCache } from './cache.ts';
import { AppError } from './errors.ts';
import { apiKeyAuth, bearerAuth, headersAuth } from './http-auth.ts';
import {
  createHttpClient,
  type HttpCacheEntry,
  type HttpClientOptions,
  type HttpMethod,
} from './http-client.ts';
import { HttpError, parseRetryAfter, ResponseTooLargeError, redactUrl } from './http-error.ts';
import { Semaphore } from './semaphore.ts';

const BASE = 'http://users.test';
const server = setupServer();
/** Every request the server saw, in order (network errors and aborted ones included). */
const requests: Request[] = [];
/** Every wait the client asked for, in ms. */
let sleeps: number[] = [];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => {
    requests.push(request);
  });
});
beforeEach(() => {
  requests.length = 0;
  sleeps = [];
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(options: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    baseUrl: BASE,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
}

/** Answers the given responses in turn, repeating the last one. */
function sequence(...responses: Array<() => Response>) {
  let i = 0;
  return () => {
    const next = responses[Math.min(i, responses.length - 1)];
    i++;
    return next ? next() : HttpResponse.json({});
  };
}

const ok = () => HttpResponse.json({ id: 1, name: 'ada' });
const unavailable = () => new HttpResponse('down', { status: 503 });

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('retries', () => {
  it('retries a GET on 503 and returns the body once it succeeds', async () => {
    server.use(http.get(`${BASE}/users/1`, sequence(unavailable, unavailable, ok)));
    await expect(client().get('/users/1')).resolves.toEqual({ id: 1, name: 'ada' });
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after limit + 1 requests with UPSTREAM_ERROR naming the attempts', async () => {
    server.use(http.get(`${BASE}/users/1`, unavailable));
    const error = await rejection(client({ retry: { limit: 3 } }).get('/users/1'));
    expect(requests).toHaveLength(4);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 503, attempts: 4, bodyExcerpt: 'down' });
    expect(error.message).toBe(
      'GET http://users.test/users/1 answered 503 Service Unavailable (tried 4 times)',
    );
  });

  it('retries a GET after a network error', async () => {
    server.use(
      http.get(
        `${BASE}/users/1`,
        sequence(() => HttpResponse.error(), ok),
      ),
    );
    await expect(client().get('/users/1')).resolves.toEqual({ id: 1, name: 'ada' });
    expect(requests).toHaveLength(2);
  });

  it('reports a host that stays unreachable as unavailable, with the number of tries', async () => {
    server.use(http.get(`${BASE}/users`, () => HttpResponse.error()));
    const error = await rejection(client().get('/users'));
    expect(requests).toHaveLength(3);
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.attempts).toBe(3);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/^GET http:\/\/users\.test\/users is unavailable \(tried 3 times\): .+/);
  });

  it.each(['post', 'patch'] as const)('never retries %s, on 503 or on a network error', async (method) => {
    server.use(http[method](`${BASE}/users/1`, unavailable));
    const failed = await rejection(client()[method]('/users/1', { body: { name: 'x' } }));
    expect(failed).toMatchObject({ code: 'UPSTREAM_ERROR', status: 503, attempts: 1 });
    expect(requests).toHaveLength(1);

    server.use(http[method](`${BASE}/users/1`, () => HttpResponse.error()));
    const unreachable = await rejection(client()[method]('/users/1', { body: { name: 'x' } }));
    expect(unreachable.message).toMatch(/^[A-Z]+ http:\/\/users\.test\/users\/1 is unavailable: /);
    expect(requests).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it.each(['put', 'delete'] as const)('retries %s, which is idempotent', async (method) => {
    server.use(http[method](`${BASE}/users/1`, sequence(unavailable, ok)));
    await client()[method]('/users/1');
    expect(requests).toHaveLength(2);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    server.use(http.get(`${BASE}/users/1`, () => HttpResponse.json({ error: 'bad' }, { status: 400 })));
    await expect(client().get('/users/1')).rejects.toMatchObject({ code: 'INVALID_INPUT', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('retries only the configured statuses', async () => {
    server.use(
      http.get(
        `${BASE}/users/1`,
        sequence(() => new HttpResponse(null, { status: 500 }), ok),
      ),
    );
    await expect(client({ retry: { statusCodes: [503] } }).get('/users/1')).rejects.toMatchObject({
      status: 500,
    });
    expect(requests).toHaveLength(1);
  });

  it.each([429, 503])('waits the Retry-After seconds of a %i', async (status) => {
    const limited = () => new HttpResponse(null, { status, headers: { 'retry-after': '3' } });
    server.use(http.get(`${BASE}/users`, sequence(limited, ok)));
    await client().get('/users');
    expect(sleeps).toEqual([3000]);
    expect(requests).toHaveLength(2);
  });

  it('waits until a Retry-After HTTP-date, measured against the injected clock', async () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const date = new Date(now + 5000).toUTCString();
    const limited = () => new HttpResponse(null, { status: 429, headers: { 'retry-after': date } });
    server.use(http.get(`${BASE}/users`, sequence(limited, ok)));
    await client({ now: () => now }).get('/users');
    expect(sleeps).toEqual([5000]);
  });

  it('raises RATE_LIMITED at once when Retry-After is beyond maxRetryAfterMs', async () => {
    const limited = () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '120' } });
    server.use(http.get(`${BASE}/users`, limited));
    const error = await rejection(client({ retry: { maxRetryAfterMs: 60_000 } }).get('/users'));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, attempts: 1 });
    expect(error.details).toMatchObject({ retryAfterMs: 120_000 });
    expect(error.message).toContain('retry after 120 s');
    expect(sleeps).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('backs off exponentially with full jitter, capped by maxDelayMs', async () => {
    server.use(http.get(`${BASE}/users`, unavailable));
    const draws = [0.25, 0.5, 0.75, 0.99, 0];
    const jittered = client({
      retry: { limit: 5, baseDelayMs: 200, maxDelayMs: 1000 },
      random: () => draws.shift() ?? 0,
    });
    await expect(jittered.get('/users')).rejects.toMatchObject({ attempts: 6 });
    // ceilings 200, 400, 800, 1000 (capped), 1000 times the draws
    expect(sleeps).toEqual([50, 200, 600, 990, 0]);

    sleeps = [];
    await expect(client({ random: () => 0.999_999 }).get('/users')).rejects.toThrow();
    expect(sleeps[0]).toBeLessThanOrEqual(200);
    expect(sleeps[1]).toBeLessThanOrEqual(400);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] ?? 0);
  });
});

describe('timeouts and cancellation', () => {
  const slow = async () => {
    await delay(300);
    return ok();
  };

  it('raises UPSTREAM_TIMEOUT naming method, URL and ms when an attempt is too slow', async () => {
    server.use(http.get(`${BASE}/slow`, slow));
    const error = await rejection(client({ timeoutMs: 50, retry: { limit: 0 } }).get('/slow'));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.message).toBe('GET http://users.test/slow timed out after 50 ms');
    expect(requests).toHaveLength(1);
  });

  it('retries a GET that timed out, but not a POST; a per-call timeoutMs wins', async () => {
    server.use(http.get(`${BASE}/slow`, slow), http.post(`${BASE}/slow`, slow));
    const error = await rejection(client({ timeoutMs: 5000 }).get('/slow', { timeoutMs: 30 }));
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', attempts: 3 });
    expect(error.message).toBe('GET http://users.test/slow timed out after 30 ms (tried 3 times)');
    expect(requests).toHaveLength(3);

    await expect(client({ timeoutMs: 30 }).post('/slow', { body: {} })).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      attempts: 1,
    });
    expect(requests).toHaveLength(4);
  });

  it('stops at totalTimeoutMs across attempts and waits', async () => {
    server.use(http.get(`${BASE}/slow`, slow));
    const sleepy = client({
      timeoutMs: 40,
      totalTimeoutMs: 100,
      sleep: (ms, signal) => delay(ms, undefined, signal && { signal }),
      retry: { baseDelayMs: 1000 },
      random: () => 1,
    });
    const started = performance.now();
    const error = await rejection(sleepy.get('/slow'));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.message).toBe('GET http://users.test/slow did not complete within 100 ms');
    expect(performance.now() - started).toBeLessThan(900);
    expect(requests).toHaveLength(1);
  });

  it("raises CANCELLED when the caller's signal aborts, without retrying", async () => {
    server.use(http.get(`${BASE}/slow`, slow));
    const controller = new AbortController();
    const pending = client().get('/slow', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED', attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('sends nothing with a signal that is already aborted', async () => {
    server.use(http.get(`${BASE}/users`, ok));
    await expect(client().get('/users', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(requests).toHaveLength(0);
  });
});

describe('auth', () => {
  beforeEach(() => server.use(http.all(`${BASE}/*`, () => HttpResponse.json({}))));

  it('sends a bearer token, from a string or a provider', async () => {
    await client({ auth: bearerAuth('tok-1') }).get('/users');
    await client({ auth: bearerAuth(async () => 'tok-2') }).get('/users');
    expect(requests.map((r) => r.headers.get('authorization'))).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('sends an API key in x-api-key or the header given', async () => {
    await client({ auth: apiKeyAuth('k-1') }).get('/users');
    await client({ auth: apiKeyAuth(() => 'k-2', 'x-token') }).get('/users');
    expect(requests[0]?.headers.get('x-api-key')).toBe('k-1');
    expect(requests[1]?.headers.get('x-token')).toBe('k-2');
    expect(requests[1]?.headers.has('x-api-key')).toBe(false);
  });

  it('sends custom headers, from an object or a function', async () => {
    await client({ auth: headersAuth({ 'x-tenant': 'acme' }) }).get('/users');
    await client({ auth: { type: 'headers', headers: async () => ({ 'x-sig': 'abc' }) } }).get('/users');
    expect(requests[0]?.headers.get('x-tenant')).toBe('acme');
    expect(requests[1]?.headers.get('x-sig')).toBe('abc');
  });

  it('turns user:pass in the base URL into Basic auth and keeps base query params', async () => {
    await client({ baseUrl: 'http://ada:s3cret@users.test/?api_key=k' }).get('/users');
    const [request] = requests;
    expect(request?.headers.get('authorization')).toBe(`Basic ${btoa('ada:s3cret')}`);
    expect(request?.url).toBe('http://users.test/users?api_key=k');
  });
});

describe('requests', () => {
  it('encodes query params (skipping undefined) and a JSON body', async () => {
    server.use(http.post(`${BASE}/v1/users`, async ({ request }) => HttpResponse.json(await request.json())));
    const api = client({ baseUrl: `${BASE}/v1/` });
    const echoed = await api.post('/users?x=1', {
      query: { page: 2, q: 'a b', missing: undefined, tag: ['a', 'b'] },
      body: { name: 'ada' },
      headers: { 'x-request-id': 'r1' },
    });
    expect(echoed).toEqual({ name: 'ada' });
    const [request] = requests;
    expect(request?.url).toBe(`${BASE}/v1/users?x=1&page=2&q=a+b&tag=a&tag=b`);
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.headers.get('x-request-id')).toBe('r1');
  });

  it('returns undefined for 204 and for an empty body', async () => {
    server.use(
      http.delete(`${BASE}/users/1`, () => new HttpResponse(null, { status: 204 })),
      http.get(`${BASE}/empty`, () => new HttpResponse('', { status: 200 })),
    );
    await expect(client().delete('/users/1')).resolves.toBeUndefined();
    await expect(client().get('/empty')).resolves.toBeUndefined();
  });

  it('raises UPSTREAM_ERROR for a 2xx body that is not JSON', async () => {
    server.use(http.get(`${BASE}/users`, () => HttpResponse.text('<html>oops</html>')));
    const error = await rejection(client().get('/users'));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 200, bodyExcerpt: '<html>oops</html>' });
    expect(error.message).toContain('not JSON');
  });

  it('checks the body with a schema and names the fields at fault', async () => {
    server.use(http.get(`${BASE}/users/1`, () => HttpResponse.json({ id: '1', name: 'ada' })));
    const User = z.object({ id: z.number(), name: z.string() });
    const error = await rejection(client().get('/users/1', { schema: User }));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 200, attempts: 1 });
    expect(error.message).toMatch(/^GET http:\/\/users\.test\/users\/1 answered an unexpected body: id: /);
    expect(error.details).toMatchObject({ bodyFields: ['id'], retryable: false });

    server.use(http.get(`${BASE}/users/1`, ok));
    const user: { id: number; name: string } = await client().get('/users/1', { schema: User });
    expect(user).toEqual({ id: 1, name: 'ada' });
  });

  it.each([
    [400, 'INVALID_INPUT'],
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
    [418, 'UPSTREAM_ERROR'],
    [422, 'INVALID_INPUT'],
    [429, 'RATE_LIMITED'],
    [500, 'UPSTREAM_ERROR'],
  ])('maps %i to %s', async (status, code) => {
    server.use(http.get(`${BASE}/users`, () => new HttpResponse(null, { status })));
    const error = await rejection(client({ retry: { limit: 0 } }).get('/users'));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code, status });
  });

  it('raises NOT_FOUND with status, body excerpt and a URL without credentials, and logs none', async () => {
    const body = JSON.stringify({ error: 'no user with id 42', padding: 'x'.repeat(500) });
    server.use(http.get(`${BASE}/users/42`, () => new HttpResponse(body, { status: 404 })));
    const lines: Array<{ level: string; obj: object; msg: string }> = [];
    const logger = {
      debug: (obj: object, msg: string) => lines.push({ level: 'debug', obj, msg }),
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj, msg }),
    };
    const api = client({
      baseUrl: 'http://ada:hunter2@users.test/?api_key=secret-key&region=eu',
      auth: bearerAuth('tok-secret'),
      logger,
    });
    const error = await rejection(api.get('/users/42', { query: { token: 'secret-token' } }));
    expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404, method: 'GET' });
    expect(error.url).toBe('http://users.test/users/42?region=eu');
    expect(error.bodyExcerpt).toBe(body.slice(0, 200));
    expect(requests[0]?.url).toContain('api_key=secret-key');
    expect(lines).toEqual([
      {
        level: 'debug',
        obj: expect.objectContaining({ method: 'GET', url: error.url, status: 404, attempt: 1 }),
        msg: 'http request',
      },
    ]);
    const visible = JSON.stringify([error.message, error.details, lines]);
    for (const secret of ['hunter2', 'secret-key', 'secret-token', 'tok-secret', 'authorization']) {
      expect(visible).not.toContain(secret);
    }
  });

  it('logs a warning per retry', async () => {
    server.use(http.get(`${BASE}/users`, sequence(unavailable, ok)));
    const warnings: object[] = [];
    await client({ logger: { debug: () => {}, warn: (obj) => warnings.push(obj) } }).get('/users');
    expect(warnings).toEqual([
      { method: 'GET', url: `${BASE}/users`, attempt: 1, delayMs: 100, reason: 'status 503' },
    ]);
  });
});

describe('concurrency', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    server.use(
      http.get(`${BASE}/users/:id`, async ({ params }) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await delay(10);
        inFlight--;
        return HttpResponse.json({ id: Number(params.id) });
      }),
    );
    const api = client({ concurrency: 3 });
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => api.get(`/users/${i}`)));
    expect(users).toHaveLength(20);
    expect(requests).toHaveLength(20);
    expect(peak).toBe(3);
  });

  it('lets a full queue refuse as it is, with QUEUE_FULL', async () => {
    server.use(
      http.get(`${BASE}/users`, async () => {
        await delay(20);
        return HttpResponse.json([]);
      }),
    );
    const api = client({ concurrency: new Semaphore({ limit: 1, maxQueue: 1 }) });
    const outcomes = await Promise.allSettled([api.get('/users'), api.get('/users'), api.get('/users')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refused = outcomes[2];
    expect(refused?.status === 'rejected' && refused.reason).toMatchObject({ code: 'QUEUE_FULL' });
    expect(requests).toHaveLength(2);
  });
});

describe('GET cache', () => {
  let version = 0;
  beforeEach(() => {
    version = 0;
    server.use(
      http.get(`${BASE}/*`, ({ request }) =>
        HttpResponse.json({ path: new URL(request.url).pathname, version }),
      ),
      http.all(`${BASE}/*`, () => {
        version++;
        return HttpResponse.json({ ok: true });
      }),
    );
  });
  const cached = (options: Partial<HttpClientOptions> = {}) =>
    client({ cache: { ttlMs: 60_000, max: 100 }, ...options });
  const gets = () => requests.filter((r) => r.method === 'GET').length;

  it('answers a second GET from the cache', async () => {
    const api = cached();
    await api.get('/users/1');
    await expect(api.get('/users/1')).resolves.toEqual({ path: '/users/1', version: 0 });
    expect(requests).toHaveLength(1);
  });

  it('makes one request for 100 concurrent identical GETs', async () => {
    const api = cached();
    const bodies = await Promise.all(Array.from({ length: 100 }, () => api.get('/users')));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(requests).toHaveLength(1);
  });

  it('keys on the query too, and bypasses the cache with cache: false', async () => {
    const api = cached();
    await api.get('/users', { query: { page: 1 } });
    await api.get('/users', { query: { page: 2 } });
    await api.get('/users', { query: { page: 2 }, cache: false });
    expect(requests).toHaveLength(3);
  });

  it.each<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE'])(
    'a successful %s drops the cached GETs of its collection',
    async (method) => {
      const api = cached();
      const paths = ['/users', '/users/1', '/users?page=2', '/usersettings', '/orders'];
      for (const path of paths) await api.get(path);
      await api.request(method, '/users/1');
      for (const path of paths) await api.get(path);
      // /users, /users/1 and /users?page=2 again; /usersettings and /orders still cached
      expect(gets()).toBe(8);
      await expect(api.get('/users/1')).resolves.toEqual({ path: '/users/1', version: 1 });
    },
  );

  it('keeps the cache after a failed mutation', async () => {
    server.use(http.put(`${BASE}/users/1`, () => HttpResponse.json({ error: 'taken' }, { status: 409 })));
    const api = cached();
    await api.get('/users/1');
    await expect(api.put('/users/1', { body: {} })).rejects.toMatchObject({ code: 'CONFLICT' });
    await api.get('/users/1');
    expect(gets()).toBe(1);
  });

  it('does not cache a failed GET', async () => {
    server.use(
      http.get(
        `${BASE}/users/1`,
        sequence(() => new HttpResponse(null, { status: 404 }), ok),
      ),
    );
    const api = cached();
    await expect(api.get('/users/1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(api.get('/users/1')).resolves.toEqual({ id: 1, name: 'ada' });
    await api.get('/users/1');
    expect(requests).toHaveLength(2);
  });

  it('lets one caller of a shared GET give up without failing the others', async () => {
    server.use(
      http.get(`${BASE}/users`, async () => {
        await delay(30);
        return HttpResponse.json(['ada']);
      }),
    );
    const api = cached();
    const controller = new AbortController();
    const leaving = api.get('/users', { signal: controller.signal });
    const staying = api.get('/users');
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(staying).resolves.toEqual(['ada']);
    expect(requests).toHaveLength(1);
  });

  it('uses a TtlCache passed in, so its stats can be read', async () => {
    const cache = new TtlCache<HttpCacheEntry>({ ttlMs: 60_000, max: 10 });
    const api = client({ cache });
    await api.get('/users');
    await api.get('/users');
    expect(cache.stats()).toMatchObject({ size: 1, hits: 1, misses: 1 });
  });
});

describe('options and helpers', () => {
  it('refuses a bad baseUrl or timeout at creation', () => {
    expect(() => createHttpClient({ baseUrl: 'users.test' })).toThrow(
      /baseUrl must be an absolute http\(s\) URL/,
    );
    expect(() => createHttpClient({ baseUrl: 'ftp://users.test' })).toThrow(/got a ftp: URL/);
    expect(() => createHttpClient({ baseUrl: BASE, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createHttpClient({ baseUrl: BASE, retry: { limit: -1 } })).toThrow(RangeError);
  });

  it('strips credentials and sensitive query params from a URL', () => {
    expect(redactUrl('https://u:p@api.test/x?API_KEY=1&access_token=2&page=3&password=4')).toBe(
      'https://api.test/x?page=3',
    );
  });

  it('reads Retry-After in both forms and ignores nonsense', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('3.5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('response size limit', () => {
  const body = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - 10) }); // `bytes` long

  it('accepts a body of exactly maxResponseBytes and refuses one byte more, once, without retrying', async () => {
    let size = 1024;
    server.use(
      http.get(
        `${BASE}/users`,
        () =>
          new HttpResponse(body(size), {
            headers: { 'content-type': 'application/json', 'content-length': String(size) },
          }),
      ),
    );
    const api = client({ maxResponseBytes: 1024 });
    await expect(api.get('/users')).resolves.toMatchObject({ pad: expect.any(String) });
    size = 1025;
    requests.length = 0;
    const refused = await api.get('/users').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ResponseTooLargeError);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({
      code: 'UPSTREAM_ERROR',
      status: 200,
      attempts: 1,
      limitBytes: 1024,
      declaredBytes: 1025,
      details: { reason: 'response_too_large', limitBytes: 1024, declaredBytes: 1025 },
    });
    expect((refused as Error).message).toBe(
      'GET http://users.test/users answered 200 with a body over the 1024-byte limit (1025 bytes); refused, not retried',
    );
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('counts a chunked body as it streams, and refuses an error status body the same way', async () => {
    const chunked = () =>
      new HttpResponse(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 64; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
            controller.close();
          },
        }),
        { status: 503 },
      );
    server.use(http.get(`${BASE}/users`, chunked));
    const refused = await client({ maxResponseBytes: 4096 })
      .get('/users')
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({
      name: 'ResponseTooLargeError',
      status: 503,
      attempts: 1,
      declaredBytes: undefined,
    });
    expect((refused as Error).message).toMatch(
      /answered 503 with a body over the 4096-byte limit \(more than that\)/,
    );
    expect(requests).toHaveLength(1);
  });

  it('defaults to 10 MiB', async () => {
    server.use(http.get(`${BASE}/big`, () => new HttpResponse(body(10 * 1024 * 1024 + 1))));
    await expect(client().get('/big')).rejects.toMatchObject({ limitBytes: 10 * 1024 * 1024 });
  });

  it('refuses a bad limit at creation', () => {
    expect(() => createHttpClient({ baseUrl: BASE, maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
  });
});

describe('paths', () => {
  beforeEach(() => {
    server.use(http.all(`${BASE}/*`, ({ request }) => HttpResponse.json({ url: request.url })));
  });

  it.each([
    [`${BASE}/api`, 'users', `${BASE}/api/users`],
    [`${BASE}/api`, '/users/1', `${BASE}/api/users/1`],
    [`${BASE}/api/`, 'users', `${BASE}/api/users`],
    [`${BASE}/api`, '', `${BASE}/api`],
    [`${BASE}/api/`, '', `${BASE}/api/`],
    [`${BASE}/api`, '?page=2', `${BASE}/api?page=2`],
    [`${BASE}/v1/api`, 'users?x=1', `${BASE}/v1/api/users?x=1`],
  ])('joins base %s and path %j as %s', async (baseUrl, path, expected) => {
    await expect(client({ baseUrl }).get(path)).resolves.toEqual({ url: expected });
  });

  it.each(['..', '../admin', 'users/../../admin', '%2e%2e/admin', 'users/%2E./x', './users', 'a/./b'])(
    'refuses the path %j, which would leave the base path, before sending anything',
    async (path) => {
      await expect(client({ baseUrl: `${BASE}/api` }).get(path)).rejects.toThrow(/has a \. or \.\. segment/);
      expect(requests).toHaveLength(0);
    },
  );
});
