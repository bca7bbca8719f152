// Secrets never appear: one run, every process at LOG_LEVEL=trace, registers users, changes and
// verifies passwords, authenticates with right and wrong keys and provokes errors with passwords
// in the input. Every stderr line, every HTTP response (status line, headers, body) and every MCP
// result is captured; none may hold a password, an API key or a bearer token in any usual encoding.
import { join } from 'node:path';
import type { SpawnedHttp, SpawnedStdio } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Processes, uniqueSuffix } from './fixtures/processes.ts';
import { findLeaks, leakForms, type Secret, secret } from './fixtures/secrets.ts';

const processes = new Processes();
afterAll(() => processes.cleanup(), 60_000);

// long and random, so that any match is a leak; passwords end in characters JSON and URLs encode
const pw = (name: string) => secret(name, 'Pw-', '"/+&=?% é\\');
const S = {
  usersApiKey: secret('USERS_API_KEY', 'uak-'),
  wrongUsersApiKey: secret('a wrong USERS_API_KEY', 'uak-wrong-'),
  writerKey: secret('MCP writer key', 'mcpw-'),
  readerKey: secret('MCP reader key', 'mcpr-'),
  wrongMcpKey: secret('a wrong MCP key', 'mcpx-'),
  alice: pw('alice password'),
  aliceNew: pw('alice new password'),
  bob: pw('bob password'),
  conflicting: pw('password of a conflicting registration'),
  badUsername: pw('password beside a bad username'),
  extraField: pw('password in an unknown field'),
  forbidden: pw('password of a forbidden call'),
  unauthenticated: pw('password of an unauthenticated call'),
  unknownUser: pw('password for an unknown user id'),
  truncatedJson: pw('password in a truncated JSON-RPC body'),
  wrongVerify: pw('a wrong password on /users/verify'),
  unknownVerify: pw('password of an unknown user on /users/verify'),
  apiMalformed: pw('password in a malformed users-api body'),
  apiBadEmail: pw('password beside a bad email on the users-api'),
  carol: pw('carol password (stdio)'),
  carolNew: pw('carol new password (stdio)'),
  dave: pw('dave password (stdio, wrong users-api key)'),
  urlPassword: secret('password in USERS_API_URL', 'up-'),
  urlToken: secret('access_token in USERS_API_URL', 'ut-'),
  erin: pw('erin password (stdio, credentials in the URL)'),
} satisfies Record<string, Secret>;
const SECRETS: Secret[] = Object.values(S);

/** Everything a client or operator could see in this run. */
const captured: Array<{ what: string; text: string }> = [];

async function capture(
  what: string,
  url: string | URL,
  init: RequestInit,
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, init);
  const body = await response.text();
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  captured.push({ what, text: `${response.status} ${response.statusText}\n${headers}\n\n${body}` });
  return { status: response.status, body };
}

const rpc = (id: number, name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

let api: SpawnedHttp;
let mcp: SpawnedHttp;
let stdio: SpawnedStdio;
const suffix = uniqueSuffix();
const names = {
  alice: `alice_${suffix}`,
  bob: `bob_${suffix}`,
  carol: `carol_${suffix}`,
  dave: `dave_${suffix}`,
};

beforeAll(async () => {
  const dir = processes.tempDir();
  // the real users-api bin (its default scrypt cost: only a few hashes here)
  api = await processes.usersApi(
    { USERS_DB_PATH: join(dir, 'users.sqlite'), USERS_API_KEY: S.usersApiKey.value, LOG_LEVEL: 'trace' },
    { realBin: true },
  );
  [mcp, stdio] = await Promise.all([
    processes.usersMcpHttp({
      USERS_API_URL: api.url,
      USERS_API_KEY: S.usersApiKey.value,
      MCP_API_KEYS: `writer:${S.writerKey.value}:users:read users:write,reader:${S.readerKey.value}:users:read`,
      LOG_LEVEL: 'trace',
    }),
    // over stdio, with the right key at first: see the last step for a wrong one
    processes.usersMcpStdio({
      USERS_API_URL: api.url,
      USERS_API_KEY: S.usersApiKey.value,
      LOG_LEVEL: 'trace',
    }),
  ]);
}, 90_000);

describe('the leak check itself', () => {
  it('finds a secret in every form it looks for, and nothing in unrelated text', () => {
    const s = secret('probe', 'Pw-', '"/+&=?% é\\');
    const embeddings = [
      `x${s.value}y`,
      `q=${encodeURIComponent(s.value)}&`,
      JSON.stringify({ p: s.value }),
      `Basic ${Buffer.from(`user:${s.value}`).toString('base64')}`,
      `Basic ${Buffer.from(`us:${s.value}`).toString('base64')}`,
      `Basic ${Buffer.from(`usr:${s.value}`).toString('base64')}`,
      Buffer.from(s.value).toString('base64url'),
      `${s.core.slice(3, 21)}…`,
    ];
    for (const text of embeddings) expect(findLeaks(text, [s]), text).not.toEqual([]);
    expect(findLeaks(JSON.stringify(S), [s])).toEqual([]);
    expect(leakForms(s).every((form) => form.length >= 16)).toBe(true);
  });
});

describe('secrets never appear in logs or responses', () => {
  it('a run that registers, updates, verifies, authenticates and fails leaks no password, key or token', async () => {
    const mcpPost = (what: string, body: string, key?: Secret) =>
      capture(what, mcp.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(key && { authorization: `Bearer ${key.value}` }),
        },
        body,
      });
    const apiPost = (what: string, path: string, body: string, key: Secret = S.usersApiKey) =>
      capture(what, new URL(path, api.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.value}` },
        body,
      });
    const resultOf = (answer: { body: string }) =>
      JSON.parse(answer.body) as { result?: { isError?: boolean; structuredContent?: { id: number } } };

    // MCP over HTTP, with the writer key
    const alice = await mcpPost(
      'register alice',
      rpc(1, 'register_user', {
        username: names.alice,
        email: `${names.alice}@example.com`,
        password: S.alice.value,
      }),
      S.writerKey,
    );
    expect(alice.status, alice.body).toBe(200);
    const aliceId = resultOf(alice).result?.structuredContent?.id;
    expect(aliceId, alice.body).toBeTypeOf('number');
    const bob = await mcpPost(
      'register bob',
      rpc(2, 'register_user', {
        username: names.bob,
        email: `${names.bob}@example.com`,
        password: S.bob.value,
      }),
      S.writerKey,
    );
    expect(resultOf(bob).result?.isError, bob.body).toBeFalsy();
    const conflict = await mcpPost(
      'conflicting registration',
      rpc(3, 'register_user', {
        username: names.alice,
        email: `x${names.alice}@example.com`,
        password: S.conflicting.value,
      }),
      S.writerKey,
    );
    expect(conflict.body).toContain('CONFLICT: username');
    const badName = await mcpPost(
      'bad username',
      rpc(4, 'register_user', {
        username: 'No Spaces Allowed!',
        email: 'ok@example.com',
        password: S.badUsername.value,
      }),
      S.writerKey,
    );
    expect(badName.body).toContain('INVALID_INPUT');
    const extra = await mcpPost(
      'unknown field holding a password',
      rpc(5, 'register_user', {
        username: `e_${suffix}`,
        email: `e_${suffix}@example.com`,
        password: S.extraField.value,
        password_again: S.extraField.value,
      }),
      S.writerKey,
    );
    expect(extra.body).toContain('INVALID_INPUT');
    const tooLong = await mcpPost(
      'password over 1024 characters',
      rpc(6, 'register_user', {
        username: `l_${suffix}`,
        email: `l_${suffix}@example.com`,
        password: S.alice.value.repeat(30),
      }),
      S.writerKey,
    );
    expect(tooLong.body).toContain('INVALID_INPUT');
    const changed = await mcpPost(
      'change alice password',
      rpc(7, 'update_user', { user_id: aliceId, password: S.aliceNew.value }),
      S.writerKey,
    );
    expect(resultOf(changed).result?.isError, changed.body).toBeFalsy();
    const unknown = await mcpPost(
      'change an unknown user password',
      rpc(8, 'update_user', { user_id: 987_654_321, password: S.unknownUser.value }),
      S.writerKey,
    );
    expect(unknown.body).toContain('NOT_FOUND');
    await mcpPost('get alice', rpc(9, 'get_user', { user_id: aliceId }), S.writerKey);
    await mcpPost('list', rpc(10, 'list_users', { query: suffix }), S.writerKey);
    const truncated = await mcpPost(
      'truncated JSON-RPC body',
      rpc(11, 'register_user', {
        username: `t_${suffix}`,
        email: 't@example.com',
        password: S.truncatedJson.value,
      }).slice(0, -8),
      S.writerKey,
    );
    expect(truncated.status).toBe(400);
    // the reader key may not write; a wrong key, the users-api key and no key are refused
    const forbidden = await mcpPost(
      'forbidden',
      rpc(12, 'register_user', {
        username: `f_${suffix}`,
        email: 'f@example.com',
        password: S.forbidden.value,
      }),
      S.readerKey,
    );
    expect(forbidden.body).toContain('FORBIDDEN');
    const body = rpc(13, 'register_user', {
      username: `w_${suffix}`,
      email: 'w@example.com',
      password: S.unauthenticated.value,
    });
    for (const [what, key] of [
      ['wrong MCP key', S.wrongMcpKey],
      ['users-api key sent to MCP', S.usersApiKey],
      ['no key', undefined],
    ] as const) {
      expect((await mcpPost(what, body, key)).status, what).toBe(401);
    }

    // the users-api directly: password checks and refusals
    const verified = await apiPost(
      'verify alice new',
      '/users/verify',
      JSON.stringify({ username: names.alice, password: S.aliceNew.value }),
    );
    expect(JSON.parse(verified.body)).toEqual({ valid: true, id: aliceId });
    for (const [what, username, password] of [
      ['verify alice old password', names.alice, S.alice],
      ['verify a wrong password', names.bob, S.wrongVerify],
      ['verify an unknown user', `nobody_${suffix}`, S.unknownVerify],
    ] as const) {
      const answer = await apiPost(
        what,
        '/users/verify',
        JSON.stringify({ username, password: password.value }),
      );
      expect(answer.status, what).toBe(401);
    }
    const wrongKey = await apiPost(
      'users-api with a wrong key',
      '/users/verify',
      JSON.stringify({ username: names.bob, password: S.bob.value }),
      S.wrongUsersApiKey,
    );
    expect(wrongKey.status).toBe(401);
    const malformed = await apiPost(
      'malformed register body',
      '/users/register',
      `{"username":"m_${suffix}","password":"${S.apiMalformed.core}`,
    );
    expect(malformed.status).toBe(400);
    const badEmail = await apiPost(
      'bad email',
      '/users/register',
      JSON.stringify({ username: `b_${suffix}`, email: 'not-an-email', password: S.apiBadEmail.value }),
    );
    expect(badEmail.status).toBe(422);

    // MCP over stdio
    const record = (what: string, result: unknown) => captured.push({ what, text: JSON.stringify(result) });
    const carol = await stdio.client.callTool({
      name: 'register_user',
      arguments: { username: names.carol, email: `${names.carol}@example.com`, password: S.carol.value },
    });
    record('stdio register carol', carol);
    const carolId = (carol.structuredContent as { id: number }).id;
    record(
      'stdio change carol password',
      await stdio.client.callTool({
        name: 'update_user',
        arguments: { user_id: carolId, password: S.carolNew.value },
      }),
    );
    record(
      'stdio conflicting registration',
      await stdio.client.callTool({
        name: 'register_user',
        arguments: {
          username: names.carol,
          email: `z${names.carol}@example.com`,
          password: S.conflicting.value,
        },
      }),
    );
    const carolVerified = await apiPost(
      'verify carol',
      '/users/verify',
      JSON.stringify({ username: names.carol, password: S.carolNew.value }),
    );
    expect(carolVerified.status).toBe(200);

    // a users MCP server holding a wrong users-api key
    const misconfigured = await processes.usersMcpStdio({
      USERS_API_URL: api.url,
      USERS_API_KEY: S.wrongUsersApiKey.value,
      LOG_LEVEL: 'trace',
    });
    const refused = await misconfigured.client.callTool({
      name: 'register_user',
      arguments: { username: names.dave, email: `${names.dave}@example.com`, password: S.dave.value },
    });
    record('stdio with a wrong users-api key', refused);
    expect(JSON.stringify(refused)).toContain("refused this server's credentials");

    // a users MCP server given credentials inside USERS_API_URL (user info and a token parameter)
    const inUrl = new URL(api.url);
    inUrl.username = 'svc';
    inUrl.password = encodeURIComponent(S.urlPassword.value);
    inUrl.searchParams.set('access_token', S.urlToken.value);
    const urlCredentials = await processes.usersMcpStdio({
      USERS_API_URL: inUrl.href,
      USERS_API_KEY: S.usersApiKey.value,
      LOG_LEVEL: 'trace',
    });
    for (const [name, args] of [
      [
        'register_user',
        { username: `erin_${suffix}`, email: `erin_${suffix}@example.com`, password: S.erin.value },
      ],
      ['get_user', { user_id: aliceId }],
      ['list_users', { query: suffix }],
      ['update_user', { user_id: aliceId, password: S.erin.value }],
    ] as const) {
      const result = await urlCredentials.client.callTool({ name, arguments: args });
      record(`stdio with credentials in the URL: ${name}`, result);
    }

    // stop everything, so shutdown logs are in too
    await Promise.all([mcp.stop(), stdio.close(), misconfigured.close(), urlCredentials.close()]);
    expect(await api.stop()).toBe(0);
    captured.push(
      { what: 'users-api stderr', text: api.stderr() },
      { what: 'users MCP (HTTP) stderr', text: mcp.stderr() },
      { what: 'users MCP (stdio) stderr', text: stdio.stderr() },
      { what: 'users MCP (stdio, wrong key) stderr', text: misconfigured.stderr() },
      { what: 'users MCP (stdio, credentials in the URL) stderr', text: urlCredentials.stderr() },
    );

    // the capture is real: trace-level logs and the answers of every step are in it
    const all = captured.map((c) => c.text).join('\n');
    expect(api.stderr()).toContain('"path":"/users/verify"');
    expect(mcp.stderr()).toContain('"msg":"user registered"');
    expect(stdio.stderr()).toContain('"msg":"user registered"');
    expect(all).toContain(names.carol);
    expect(captured.length).toBeGreaterThanOrEqual(25);

    const leaks = captured.flatMap(({ what, text }) =>
      findLeaks(text, SECRETS).map((leak) => `${what}: ${leak}`),
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});
