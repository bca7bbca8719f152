import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyAuthenticator, jwtAuthenticator } from '../auth.ts';
import { silentLogger } from '../logger.ts';
import { createFixtureServer } from '../test-fixtures/fixture-server.ts';
import { serveForTest } from '../testing.ts';
import { serveHttp } from './serve.ts';

const KEYS = [
  'reader:reader-secret-0123456789:things:read',
  'writer:writer-secret-0123456789:things:read things:write',
  'admin:admin-secret-0123456789abc',
];

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

/** A POST with full control of the headers (fetch will not send a foreign Host). */
function raw(
  url: string,
  options: { headers?: Record<string, string>; body?: string; method?: string } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

const callTool = (name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } });

describe('API keys', () => {
  let served: Awaited<ReturnType<typeof serveForTest>>;
  beforeAll(async () => {
    served = await serveForTest(createFixtureServer(), { auth: apiKeyAuthenticator(KEYS) });
  });
  afterAll(() => served.close());

  it.each([
    ['no credentials', {}, undefined],
    ['a wrong key', { authorization: 'Bearer wrong-secret-0123456789' }, 'invalid_token'],
    ['not a bearer header', { authorization: 'Basic cmVhZGVyOnNlY3JldA==' }, 'invalid_request'],
  ])('answers %s with 401 and WWW-Authenticate naming the metadata', async (_name, headers, oauthError) => {
    const response = await raw(served.url, { headers });
    expect(response.status).toBe(401);
    const header = String(response.headers['www-authenticate']);
    expect(header).toMatch(
      /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    if (oauthError) expect(header).toContain(`error="${oauthError}"`);
    else expect(header).not.toContain('error=');
    expect(response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    expect(response.body).not.toContain('secret');
  });

  it('answers 200 with a good key', async () => {
    const response = await raw(served.url, { headers: { authorization: 'Bearer reader-secret-0123456789' } });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });

  it('serves RFC 9728 metadata listing the resource and the scopes', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${served.origin}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: served.url,
        bearer_methods_supported: ['header'],
        scopes_supported: ['things:write'],
        resource_name: 'fixture',
      });
    }
  });

  it('refuses a tool to a caller without its scope with FORBIDDEN, and allows it with the scope', async () => {
    const reader = await raw(served.url, {
      headers: { authorization: 'Bearer reader-secret-0123456789' },
      body: callTool('write_thing', { name: 'x' }),
    });
    expect(reader.json().result).toMatchObject({
      isError: true,
      content: [{ text: 'FORBIDDEN: write_thing needs the scope things:write' }],
    });
    for (const secret of ['writer-secret-0123456789', 'admin-secret-0123456789abc']) {
      const allowed = await raw(served.url, {
        headers: { authorization: `Bearer ${secret}` },
        body: callTool('write_thing', { name: 'x' }),
      });
      expect(allowed.json().result).toEqual({ content: [{ type: 'text', text: 'wrote x' }] });
    }
  });

  it('refuses malformed key lists at start-up without echoing secrets', () => {
    expect(() => apiKeyAuthenticator(['noseparator'])).toThrow(/entry 1.*at least 16/);
    expect(() => apiKeyAuthenticator(['a:short'])).toThrow(
      /entry 1 \(a\): the secret must be at least 16 characters/,
    );
    expect(() => apiKeyAuthenticator(['a:0123456789abcdef', 'a:0123456789abcdeg'])).toThrow(/used twice/);
    try {
      apiKeyAuthenticator(['bad id:my-very-secret-value-123']);
    } catch (error) {
      expect(String(error)).not.toContain('my-very-secret-value-123');
    }
  });
});

describe('JWT bearer tokens against a JWKS served locally', () => {
  let jwks: Server;
  let served: Awaited<ReturnType<typeof serveForTest>>;
  let trusted: KeyLike;
  let stranger: KeyLike;
  const issuer = 'https://issuer.test';
  const audience = 'https://mcp.test/mcp';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    trusted = pair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    served = await serveForTest(createFixtureServer(), {
      auth: jwtAuthenticator({ jwksUrl, issuer, audience }),
    });
  });
  afterAll(async () => {
    await served.close();
    jwks.close();
  });

  const sign = (
    key: KeyLike,
    claims: Record<string, unknown> = {},
    options: { aud?: string; exp?: string | number } = {},
  ) =>
    new SignJWT({ scope: 'things:read things:write', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('agent-7')
      .setIssuer(issuer)
      .setAudience(options.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(key);

  it('accepts a good token and hands its subject and scopes to tools', async () => {
    const response = await raw(served.url, {
      headers: { authorization: `Bearer ${await sign(trusted)}` },
      body: callTool('write_thing', { name: 'y' }),
    });
    expect(response.status).toBe(200);
    expect(response.json().result.content[0].text).toBe('wrote y');
  });

  it('refuses a token scoped for reading from a write tool', async () => {
    const token = await sign(trusted, { scope: 'things:read' });
    const response = await raw(served.url, {
      headers: { authorization: `Bearer ${token}` },
      body: callTool('write_thing', { name: 'y' }),
    });
    expect(response.json().result.content[0].text).toMatch(/^FORBIDDEN/);
  });

  it.each([
    ['for another audience', () => sign(trusted, {}, { aud: 'https://other.test/mcp' })],
    ['signed by another key', () => sign(stranger)],
    ['expired', () => sign(trusted, {}, { exp: Math.floor(Date.now() / 1000) - 60 })],
    [
      'with alg none',
      async () => {
        const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'mallory', iss: issuer, aud: audience, exp: now + 300, scope: 'things:write' })}.`;
      },
    ],
    ['that is not a JWT', async () => 'not-a-jwt'],
  ])('refuses a token %s with 401 and WWW-Authenticate', async (_name, token) => {
    const response = await raw(served.url, { headers: { authorization: `Bearer ${await token()}` } });
    expect(response.status).toBe(401);
    expect(String(response.headers['www-authenticate'])).toMatch(
      /^Bearer resource_metadata=".*", error="invalid_token"/,
    );
  });

  it('lists the issuer as authorization server in the metadata', async () => {
    const metadata = await (await fetch(`${served.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toMatchObject({ resource: served.url, authorization_servers: [issuer] });
  });
});

describe('guards', () => {
  let served: Awaited<ReturnType<typeof serveForTest>>;
  beforeAll(async () => {
    served = await serveForTest(createFixtureServer(), { allowedOrigins: ['https://app.example.com'] });
  });
  afterAll(() => served.close());

  it('refuses a foreign Host and a foreign Origin with 403', async () => {
    const host = await raw(served.url, { headers: { host: 'evil.example.com' } });
    expect(host.status).toBe(403);
    expect(host.json().error.message).toContain('Host evil.example.com is not allowed');
    const origin = await raw(served.url, { headers: { origin: 'https://evil.example.com' } });
    expect(origin.status).toBe(403);
  });

  it('accepts no Origin, a listed Origin, and a loopback Origin on a loopback bind', async () => {
    for (const headers of [
      {},
      { origin: 'https://app.example.com' },
      { origin: 'http://localhost:5173' },
      { origin: 'http://127.0.0.1:8080' },
    ]) {
      expect((await raw(served.url, { headers })).status).toBe(200);
    }
    const port = new URL(served.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await raw(served.url, { headers: { host } })).status).toBe(200);
    }
  });

  it('answers 415 for a body that is not JSON by its content type', async () => {
    const response = await raw(served.url, { headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
  });

  it('answers 400 for an unsupported MCP-Protocol-Version, and accepts a supported one', async () => {
    expect((await raw(served.url, { headers: { 'mcp-protocol-version': '1999-01-01' } })).status).toBe(400);
    expect((await raw(served.url, { headers: { 'mcp-protocol-version': '2025-06-18' } })).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the burst, per client, and counts it', async () => {
    const served = await serveForTest(createFixtureServer(), {
      auth: apiKeyAuthenticator(KEYS),
      rateLimit: { rps: 1, burst: 3 },
    });
    try {
      const as = (secret: string) => raw(served.url, { headers: { authorization: `Bearer ${secret}` } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await as('reader-secret-0123456789')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await as('reader-secret-0123456789');
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json().error.message).toContain('rate limit exceeded');
      // another key has its own bucket
      expect((await as('writer-secret-0123456789')).status).toBe(200);
      const metrics = await (await fetch(`${served.origin}/metrics`)).text();
      expect(metrics).toMatch(/^mcp_rate_limited_total 2$/m);
    } finally {
      await served.close();
    }
  });

  it('is off at 0 rps', async () => {
    const served = await serveForTest(createFixtureServer(), { rateLimit: { rps: 0 } });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 150 }, () => raw(served.url).then((r) => r.status)),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await served.close();
    }
  });
});

describe('metrics and probes', () => {
  it('serves /healthz, /readyz and /metrics with requests, tool calls and sessions', async () => {
    const served = await serveForTest(createFixtureServer());
    try {
      await raw(served.url, { body: callTool('add', { a: 1, b: 2 }) });
      await raw(served.url, { body: callTool('find_thing', { id: 'x' }) });
      await raw(served.url, { body: callTool('add', { a: 'one', b: 2 }) });
      expect((await fetch(`${served.origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${served.origin}/readyz`)).status).toBe(200);
      const response = await fetch(`${served.origin}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toMatch(/^mcp_tool_call_duration_seconds_count\{tool="add",outcome="ok"\} 1$/m);
      expect(text).toMatch(/^mcp_tool_call_duration_seconds_count\{tool="find_thing",outcome="error"\} 1$/m);
      // a tool error is a JSON-RPC success: its own counter shows the failing tools, by code
      expect(text).toMatch(/^mcp_requests_total\{method="tools\/call",outcome="ok"\} 3$/m);
      expect(text).toMatch(/^mcp_tool_errors_total\{tool="find_thing",code="NOT_FOUND"\} 1$/m);
      expect(text).toMatch(/^mcp_tool_errors_total\{tool="add",code="INVALID_INPUT"\} 1$/m);
      expect(text).not.toMatch(/^mcp_tool_errors_total\{tool="add",code="NOT_FOUND"/m);
      expect(text).toMatch(/^mcp_http_responses_total\{status="200"\} \d+$/m);
      expect(text).toMatch(/^mcp_sessions_open 0$/m);
      expect(text).toContain('process_resident_memory_bytes');
    } finally {
      await served.close();
    }
  });
});

describe('start-up', () => {
  it('refuses a non-loopback bind without auth, unless told it is fine', async () => {
    const options = { logger: silentLogger(), host: '0.0.0.0', port: 0, handleSignals: false };
    await expect(serveHttp(createFixtureServer(), options)).rejects.toThrow(
      /refusing to serve on 0\.0\.0\.0 without auth.*--insecure-no-auth/,
    );
    const insecure = await serveHttp(createFixtureServer(), { ...options, insecureNoAuth: true });
    await insecure.close();
    const withKeys = await serveHttp(createFixtureServer(), { ...options, auth: apiKeyAuthenticator(KEYS) });
    await withKeys.close();
  });
});

describe('verified tokens', () => {
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as never;

  it('keeps accepting a verified JWT only until it expires', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' };
    let now = Date.now();
    const auth = jwtAuthenticator({
      jwksUrl: 'http://unused.test/jwks',
      audience: 'aud',
      keySet: createLocalJWKSet({ keys: [jwk] }),
      now: () => now,
    });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setSubject('agent')
      .setAudience('aud')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 60)
      .sign(privateKey);
    await expect(auth.authenticate(req(token))).resolves.toMatchObject({ clientId: 'agent' });
    // the second time comes from memory, synchronously
    expect(auth.authenticate(req(token))).toMatchObject({ clientId: 'agent' });
    now += 61_000;
    await expect(Promise.resolve().then(() => auth.authenticate(req(token)))).rejects.toMatchObject({
      message: 'invalid token: expired',
    });
  });

  it('never remembers a wrong API key', () => {
    const auth = apiKeyAuthenticator(KEYS);
    for (let i = 0; i < 3; i++)
      expect(() => auth.authenticate(req('wrong-secret-0123456789'))).toThrow('invalid API key');
    expect(auth.authenticate(req('reader-secret-0123456789'))).toMatchObject({ clientId: 'reader' });
  });
});
