// Attacks on each server's real HTTP bin, configured as an operator would: with API keys (and a
// low rate limit and body limit), or with JWTs checked against a JWKS served here on 127.0.0.1.
// Missing and bad credentials get 401 with WWW-Authenticate; a caller without a tool's scope gets
// FORBIDDEN (and the tool does nothing); a foreign Host or Origin gets 403; a flood gets 429 with
// Retry-After; an oversized body gets 413 however it is framed; and afterwards a legitimate call
// still works.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawResponse, raw } from './client.ts';
import {
  type Cleanup,
  cheapCall,
  type RunningServer,
  runCleanups,
  SERVER_NAMES,
  type ServerName,
  startServer,
  startUsersUpstream,
  toolCallBody,
  USERS_API_KEY,
  type UsersUpstream,
} from './servers.ts';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** What each server protects: the scope its reading tool needs, and a write a reader must not do. */
const PROTECTED: Record<
  ServerName,
  { read: string; scopes: string[]; write?: { tool: string; args: Record<string, unknown>; scope: string } }
> = {
  users: {
    read: 'users:read',
    scopes: ['users:read', 'users:write'],
    write: {
      tool: 'register_user',
      args: { username: 'intruder', email: 'intruder@example.test', password: 'a-password-1' },
      scope: 'users:write',
    },
  },
  'customer-db': {
    read: 'customers:read',
    scopes: ['customers:read', 'customers:write'],
    write: {
      tool: 'create_customer',
      args: { name: 'Intruder', email: 'intruder@example.test' },
      scope: 'customers:write',
    },
  },
  // the demo's tools need no scope: a caller holding an unrelated one may call them all
  demo: { read: 'unrelated:read', scopes: [] },
};

const SECRETS = {
  reader: 'reader-secret-0123456789abcdef',
  admin: 'admin-secret-0123456789abcdefgh',
  flooder: 'flooder-secret-0123456789abcdef',
};
const RATE = { rps: 1, burst: 30 };
const MAX_BODY = 64 * 1024;
const ISSUER = 'https://issuer.reliability.test';
const AUDIENCE = 'https://mcp.reliability.test/mcp';

let users: UsersUpstream;
let jwks: Server;
let jwksUrl: string;
let trusted: PrivateKey;
let stranger: PrivateKey;
let trustedPem: string;
const fileCleanups: Cleanup[] = [];

beforeAll(async () => {
  users = await startUsersUpstream();
  fileCleanups.push(() => users.stop());
  const pair = await generateKeyPair('RS256', { extractable: true });
  trusted = pair.privateKey;
  stranger = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  trustedPem = JSON.stringify(jwk);
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  fileCleanups.push(() => new Promise<void>((resolve) => jwks.close(() => resolve())));
});
afterAll(() => runCleanups(fileCleanups));

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The 401 every refused credential gets: WWW-Authenticate naming the metadata, a JSON-RPC error. */
function expectUnauthorized(response: RawResponse, server: RunningServer, tokenRefused: boolean): void {
  expect(response.status, response.body).toBe(401);
  const header = String(response.headers['www-authenticate']);
  expect(
    header.startsWith(`Bearer resource_metadata="${server.origin}/.well-known/oauth-protected-resource/mcp"`),
  ).toBe(true);
  if (tokenRefused) expect(header).toContain('error="invalid_token"');
  expect(response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
}

function textOf(response: RawResponse): string {
  return response.json().result?.content?.[0]?.text ?? '';
}

/** The reading call, and what its answer must be. */
function expectGoodRead(name: ServerName, response: RawResponse): void {
  expect(response.status, response.body).toBe(200);
  const result = response.json().result;
  expect(result.isError, response.body).toBeFalsy();
  if (name === 'users') expect(result.structuredContent).toEqual(users.user);
  if (name === 'customer-db')
    expect(result.structuredContent).toMatchObject({ id: '1234', name: 'Alice Johnson' });
  if (name === 'demo') expect(result.structuredContent).toEqual({ value: expect.any(Number) });
}

/** Whether the forbidden write left a trace (`admin`: headers allowed to search customers). */
async function intruderExists(
  name: ServerName,
  server: RunningServer,
  admin: Record<string, string>,
): Promise<boolean> {
  if (name === 'users') {
    const page = await fetch(`${users.api.url}/users?q=intruder`, {
      headers: { authorization: `Bearer ${USERS_API_KEY}` },
    });
    return ((await page.json()) as { users: unknown[] }).users.length > 0;
  }
  const found = await raw(server.url, {
    headers: admin,
    body: toolCallBody('search_customers', { query: 'intruder' }),
  });
  return found.json().result.structuredContent.customers.length > 0;
}

describe.each(SERVER_NAMES)('%s with API keys, a low rate limit and a 64 KiB body limit', (name) => {
  const cleanups: Cleanup[] = [];
  let server: RunningServer;
  const read = () => {
    const call = cheapCall(name, users);
    return toolCallBody(call.tool, call.args);
  };

  beforeAll(async () => {
    const scope = PROTECTED[name].read;
    server = await startServer(name, cleanups, {
      users,
      env: {
        MCP_API_KEYS: [
          `reader:${SECRETS.reader}:${scope}`,
          `admin:${SECRETS.admin}`,
          `flooder:${SECRETS.flooder}:${scope}`,
        ].join(','),
        MCP_RATE_LIMIT_RPS: String(RATE.rps),
        MCP_RATE_LIMIT_BURST: String(RATE.burst),
        MCP_MAX_BODY_BYTES: String(MAX_BODY),
        MCP_ALLOWED_ORIGINS: 'https://app.example.com',
      },
    });
  }, 60_000);
  afterAll(() => runCleanups(cleanups));

  it('refuses no credentials, a wrong key, garbage and a non-Bearer scheme with 401 + WWW-Authenticate', async () => {
    expectUnauthorized(await raw(server.url, { body: read() }), server, false);
    for (const token of [
      'wrong-secret-0123456789abcdef',
      `${SECRETS.reader}x`,
      SECRETS.reader.slice(0, -1),
      '%%%',
    ]) {
      const response = await raw(server.url, { headers: bearer(token), body: read() });
      expectUnauthorized(response, server, true);
      expect(response.body).not.toContain(token);
    }
    const basic = await raw(server.url, {
      headers: { authorization: `Basic ${Buffer.from(`reader:${SECRETS.reader}`).toString('base64')}` },
      body: read(),
    });
    expect(basic.status).toBe(401);
    expect(String(basic.headers['www-authenticate'])).toContain('error="invalid_request"');
  });

  it('serves RFC 9728 metadata naming this server and its scopes', async () => {
    const response = await fetch(`${server.origin}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await response.json()) as { scopes_supported?: string[] };
    expect(metadata).toMatchObject({ resource: server.url, bearer_methods_supported: ['header'] });
    expect(metadata.scopes_supported ?? []).toEqual(PROTECTED[name].scopes);
  });

  it('answers a caller without the tool scope FORBIDDEN, and the tool does nothing', async () => {
    expectGoodRead(name, await raw(server.url, { headers: bearer(SECRETS.reader), body: read() }));
    const write = PROTECTED[name].write;
    if (!write) return; // the demo has no scoped tool: the reader's unrelated scope was enough above
    const refused = await raw(server.url, {
      headers: bearer(SECRETS.reader),
      body: toolCallBody(write.tool, write.args),
    });
    expect(refused.status).toBe(200);
    expect(refused.json().result.isError).toBe(true);
    expect(textOf(refused)).toBe(`FORBIDDEN: ${write.tool} needs the scope ${write.scope}`);
    expect(await intruderExists(name, server, bearer(SECRETS.admin))).toBe(false);
  });

  it('refuses a foreign Host and a foreign Origin with 403, even with a good key', async () => {
    const port = new URL(server.url).port;
    for (const host of [
      'evil.example.com',
      `evil.example.com:${port}`,
      `127.0.0.1.evil.example.com:${port}`,
    ]) {
      const response = await raw(server.url, { headers: { host, ...bearer(SECRETS.admin) }, body: read() });
      expect(response.status, host).toBe(403);
      expect(response.json().error.message).toContain('is not allowed');
    }
    for (const origin of ['https://evil.example.com', 'null', 'https://app.example.com.evil.example.com']) {
      const response = await raw(server.url, { headers: { origin, ...bearer(SECRETS.admin) }, body: read() });
      expect(response.status, origin).toBe(403);
    }
    // the listed Origin passes
    const listed = await raw(server.url, {
      headers: { origin: 'https://app.example.com', ...bearer(SECRETS.admin) },
      body: read(),
    });
    expectGoodRead(name, listed);
  });

  it('refuses oversized bodies with 413: declared, chunked, and declared huge but never sent', async () => {
    const padded = (bytes: number) => {
      const call = read();
      return `${call.slice(0, -1)}${' '.repeat(Math.max(0, bytes - call.length))}}`;
    };
    // just under the limit: a real call, answered
    expectGoodRead(
      name,
      await raw(server.url, { headers: bearer(SECRETS.admin), body: padded(MAX_BODY - 16) }),
    );
    const declared = await raw(server.url, { headers: bearer(SECRETS.admin), body: padded(4 * MAX_BODY) });
    expect(declared.status).toBe(413);
    expect(declared.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringContaining('larger than') },
    });
    const body = padded(4 * MAX_BODY);
    const chunked = await raw(server.url, {
      headers: bearer(SECRETS.admin),
      chunks: Array.from({ length: 16 }, (_, i) =>
        body.slice((i * body.length) / 16, ((i + 1) * body.length) / 16),
      ),
    });
    expect(chunked.status).toBe(413);
    // 1 GiB announced, a few bytes sent: refused at once, not after waiting for the rest
    const huge = await raw(server.url, {
      headers: { ...bearer(SECRETS.admin), 'content-length': String(1024 ** 3) },
      chunks: ['{"jsonrpc":"2.0",'],
    });
    expect(huge.status).toBe(413);
  });

  it('answers a flood from one key with 429 + Retry-After, without touching other keys', async () => {
    const statuses = await Promise.all(
      Array.from({ length: RATE.burst * 2 }, () =>
        raw(server.url, { headers: bearer(SECRETS.flooder), body: read() }),
      ),
    );
    const limited = statuses.filter((r) => r.status === 429);
    const served = statuses.filter((r) => r.status === 200);
    expect(limited.length + served.length).toBe(statuses.length);
    expect(limited.length).toBeGreaterThanOrEqual(RATE.burst - 5);
    expect(served.length).toBeGreaterThanOrEqual(RATE.burst - 1);
    for (const response of limited) {
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(response.json().error.message).toMatch(/^rate limit exceeded/);
    }
    expectGoodRead(name, await raw(server.url, { headers: bearer(SECRETS.reader), body: read() }));
  });

  it('rate limits guessed keys by address: 401s, then 429 + Retry-After', async () => {
    const responses: RawResponse[] = [];
    for (let i = 0; i < RATE.burst + 10; i++) {
      responses.push(await raw(server.url, { headers: bearer(`guess-${i}-0123456789abcdef`), body: read() }));
    }
    const statuses = new Set(responses.map((r) => r.status));
    expect(statuses).toEqual(new Set([401, 429]));
    expect(responses.at(-1)?.status).toBe(429);
    expect(Number(responses.at(-1)?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('still answers a legitimate call after all of it', async () => {
    expectGoodRead(name, await raw(server.url, { headers: bearer(SECRETS.admin), body: read() }));
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

describe.each(SERVER_NAMES)('%s with JWT bearer tokens from a local JWKS', (name) => {
  const cleanups: Cleanup[] = [];
  let server: RunningServer;
  const read = () => {
    const call = cheapCall(name, users);
    return toolCallBody(call.tool, call.args);
  };
  const sign = (
    key: PrivateKey | Uint8Array,
    options: {
      scope?: string;
      aud?: string;
      iss?: string;
      exp?: number;
      nbf?: number;
      alg?: string;
      kid?: string;
      /** Replaces `sub: 'agent-7'` with these claims (who the token speaks for). */
      subject?: Record<string, unknown>;
    } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({
      scope: options.scope ?? PROTECTED[name].scopes.join(' '),
      ...(options.subject ?? { sub: 'agent-7' }),
    })
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' })
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt(now - 10)
      .setExpirationTime(options.exp ?? now + 300);
    if (options.nbf) jwt.setNotBefore(options.nbf);
    return jwt.sign(key);
  };
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  beforeAll(async () => {
    server = await startServer(name, cleanups, {
      users,
      env: { MCP_JWT_JWKS_URL: jwksUrl, MCP_JWT_ISSUER: ISSUER, MCP_JWT_AUDIENCE: AUDIENCE },
    });
  }, 60_000);
  afterAll(() => runCleanups(cleanups));

  it('accepts a good token and lists the issuer in its metadata', async () => {
    expectGoodRead(name, await raw(server.url, { headers: bearer(await sign(trusted)), body: read() }));
    const metadata = await (await fetch(`${server.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toMatchObject({ resource: server.url, authorization_servers: [ISSUER] });
  });

  it.each([
    ['for another audience', () => sign(trusted, { aud: 'https://other.example.com/mcp' })],
    ['from another issuer', () => sign(trusted, { iss: 'https://evil.example.com' })],
    ['signed by another key under the trusted kid', () => sign(stranger)],
    ['signed by a key the JWKS does not have', () => sign(stranger, { kid: 'k2' })],
    ['expired', () => sign(trusted, { exp: Math.floor(Date.now() / 1000) - 120 })],
    ['not valid yet', () => sign(trusted, { nbf: Math.floor(Date.now() / 1000) + 3600 })],
    [
      'with alg none',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        const claims = {
          sub: 'mallory',
          iss: ISSUER,
          aud: AUDIENCE,
          exp: now + 300,
          scope: 'users:write customers:write',
        };
        return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
      },
    ],
    // the classic confusion: HMAC keyed with the trusted public key
    [
      'HS256-signed with the public key as the secret',
      () => sign(new TextEncoder().encode(trustedPem), { alg: 'HS256' }),
    ],
    ['that is garbage', async () => 'not.a.jwt'],
    // well signed, but naming no one: it must not become an identity every such token shares
    ['with no sub, client_id or azp', () => sign(trusted, { subject: {} })],
    ['with a numeric sub', () => sign(trusted, { subject: { sub: 7 } })],
    ['with an empty sub', () => sign(trusted, { subject: { sub: '' } })],
    [
      'with a sub that is an object, beside a client_id',
      () => sign(trusted, { subject: { sub: {}, client_id: 'app' } }),
    ],
    [
      'with a tampered payload',
      async () => {
        const [header, , signature] = (await sign(trusted, { scope: PROTECTED[name].read })).split('.');
        return `${header}.${part({ sub: 'agent-7', iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999, scope: 'users:write customers:write' })}.${signature}`;
      },
    ],
  ])('refuses a token %s with 401 + WWW-Authenticate', async (_case, token) => {
    const response = await raw(server.url, { headers: bearer(await token()), body: read() });
    expectUnauthorized(response, server, true);
  });

  it('accepts a token that names its caller by client_id or azp instead of sub', async () => {
    for (const subject of [{ client_id: 'service-a' }, { azp: 'web-app' }]) {
      expectGoodRead(
        name,
        await raw(server.url, { headers: bearer(await sign(trusted, { subject })), body: read() }),
      );
    }
  });

  it('answers a token without the tool scope FORBIDDEN, and the tool does nothing', async () => {
    const reader = await sign(trusted, { scope: PROTECTED[name].read });
    expectGoodRead(name, await raw(server.url, { headers: bearer(reader), body: read() }));
    const write = PROTECTED[name].write;
    if (!write) return;
    const refused = await raw(server.url, {
      headers: bearer(reader),
      body: toolCallBody(write.tool, write.args),
    });
    expect(textOf(refused)).toBe(`FORBIDDEN: ${write.tool} needs the scope ${write.scope}`);
    expect(refused.json().result.isError).toBe(true);
    expect(await intruderExists(name, server, bearer(await sign(trusted)))).toBe(false);
  });

  it('still answers a legitimate call after all of it', async () => {
    expectGoodRead(name, await raw(server.url, { headers: bearer(await sign(trusted)), body: read() }));
    expect(server.child.exitCode).toBeNull();
  });
});
