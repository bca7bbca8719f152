import {
  type Connected,
  captureLogs,
  connectInMemory,
  errorDataOf,
  serveForTest,
  textOf,
} from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPage, UserRecord } from './schemas.ts';
import { createUsersServer } from './server.ts';
import { data, errorText } from './test-fixtures/results.ts';
import { API_KEY, startTestUsersApi, type TestUsersApi } from './test-fixtures/users-api.ts';
import { createUsersApiClient } from './users-api.ts';

const PASSWORD = 'integration-secret-password';
/** The reference core gives an upstream failure (the whole error is logged under it). */
const REF = '[0-9a-f]{12}';
const serverLogs = captureLogs();
const apiLogs = captureLogs();
let api: TestUsersApi;
let connected: Connected;
const call = <T = unknown>(name: string, args: Record<string, unknown>) =>
  data<T>(connected.client, name, args);
const fail = (name: string, args: Record<string, unknown>) => errorText(connected.client, name, args);

beforeAll(async () => {
  api = await startTestUsersApi({ logger: apiLogs.logger });
  const client = createUsersApiClient({ baseUrl: api.url, apiKey: API_KEY, logger: serverLogs.logger });
  connected = await connectInMemory(createUsersServer({ api: client }), { logger: serverLogs.logger });
});
afterAll(async () => {
  await connected?.close();
  await api?.stop();
});

describe('the users server over a real users-api', () => {
  it('registers, gets, lists, updates and deletes a user', async () => {
    const alice = await call<UserRecord>('register_user', {
      username: 'alice',
      email: 'alice@example.com',
      password: PASSWORD,
    });
    expect(alice).toEqual({
      id: expect.any(Number),
      username: 'alice',
      email: 'alice@example.com',
      created_at: expect.any(String),
    });
    expect(await call('get_user', { user_id: alice.id })).toEqual(alice);
    expect(await call('list_users', { query: 'alice' })).toEqual({ users: [alice], next_cursor: null });

    const updated = await call('update_user', { user_id: alice.id, email: 'alice@new.example.com' });
    expect(updated).toEqual({ ...alice, email: 'alice@new.example.com' });
    // the cached get_user was dropped by the update
    expect(await call('get_user', { user_id: alice.id })).toEqual(updated);
    await call('update_user', { user_id: alice.id, password: 'a-new-integration-password' });
    const verified = await fetch(`${api.url}/users/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'a-new-integration-password' }),
    });
    expect(verified.status).toBe(200);

    expect(await call('delete_user', { user_id: alice.id })).toEqual({ id: alice.id, deleted: true });
    expect(await fail('get_user', { user_id: alice.id })).toBe(`NOT_FOUND: no user with id ${alice.id}`);
    expect(await call('list_users', { query: 'alice' })).toEqual({ users: [], next_cursor: null });
  });

  it('pages through users with next_cursor', async () => {
    for (let i = 0; i < 7; i++) {
      await call('register_user', {
        username: `pager${i}`,
        email: `pager${i}@example.com`,
        password: PASSWORD,
      });
    }
    const names: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await call<UserPage>('list_users', {
        limit: 3,
        query: 'pager',
        ...(cursor && { cursor }),
      });
      names.push(...page.users.map((u) => u.username));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toEqual(['pager0', 'pager1', 'pager2', 'pager3', 'pager4', 'pager5', 'pager6']);
  });

  it('says what was wrong for each error case', async () => {
    const bob = await call<UserRecord>('register_user', {
      username: 'bob',
      email: 'bob@example.com',
      password: PASSWORD,
    });
    await call('register_user', { username: 'carol', email: 'carol@example.com', password: PASSWORD });
    expect(await fail('get_user', { user_id: 424242 })).toBe('NOT_FOUND: no user with id 424242');
    expect(await fail('update_user', { user_id: 424242, email: 'x@example.com' })).toBe(
      'NOT_FOUND: no user with id 424242',
    );
    expect(await fail('delete_user', { user_id: 424242 })).toBe('NOT_FOUND: no user with id 424242');
    expect(
      await fail('register_user', { username: 'bob', email: 'other@example.com', password: PASSWORD }),
    ).toBe('CONFLICT: username bob is taken');
    expect(
      await fail('register_user', { username: 'bob2', email: 'BOB@example.com', password: PASSWORD }),
    ).toBe('CONFLICT: email BOB@example.com is taken');
    expect(await fail('update_user', { user_id: bob.id, email: 'carol@example.com' })).toBe(
      'CONFLICT: email carol@example.com is taken',
    );
    expect(
      await fail('register_user', { username: 'Not Valid', email: 'nv@example.com', password: PASSWORD }),
    ).toBe(
      // the API's rule, in the tool's schema: refused before a call
      'INVALID_INPUT: invalid arguments for register_user: username: expected 3 to 32 characters of a-z, 0-9, _, . or -',
    );
    expect(
      await fail('register_user', { username: 'dave', email: 'not-an-email', password: PASSWORD }),
    ).toMatch(/^INVALID_INPUT: invalid arguments for register_user: email: /);
    const short = await fail('register_user', {
      username: 'erin',
      email: 'erin@example.com',
      password: 'short7!',
    });
    expect(short).toBe(
      'INVALID_INPUT: invalid arguments for register_user: password: expected at least 8 characters',
    );
    expect(await fail('update_user', { user_id: bob.id, email: 'bad' })).toMatch(
      /^INVALID_INPUT: invalid arguments for update_user: email: /,
    );
    expect(await fail('list_users', { cursor: 'forged' })).toBe(
      'INVALID_INPUT: cursor: not a cursor this API issued; pass next_cursor back unchanged',
    );
    expect(await fail('get_user', { user_id: 0 })).toMatch(
      /^INVALID_INPUT: invalid arguments for get_user: user_id/,
    );
  });

  it('reports a wrong API key and an unavailable API with what to do', async () => {
    const wrongKey = await connectInMemory(
      createUsersServer({ api: createUsersApiClient({ baseUrl: api.url, apiKey: 'wrong-key' }) }),
    );
    try {
      expect(await errorText(wrongKey.client, 'get_user', { user_id: 1 })).toMatch(
        new RegExp(
          `^UPSTREAM_ERROR: the users API refused this server's credentials \\(401\\): set USERS_API_KEY to the key the API expects \\(ref: ${REF}\\)$`,
        ),
      );
    } finally {
      await wrongKey.close();
    }
    const stopped = await startTestUsersApi();
    await stopped.stop();
    const down = await connectInMemory(
      createUsersServer({
        api: createUsersApiClient({ baseUrl: stopped.url, apiKey: API_KEY, retry: { baseDelayMs: 1 } }),
      }),
    );
    try {
      const unavailable = await down.client.callTool({ name: 'get_user', arguments: { user_id: 1 } });
      expect(textOf(unavailable)).toMatch(
        new RegExp(`^UPSTREAM_ERROR: the users API is unavailable \\(tried 3 times\\) \\(ref: ${REF}\\)$`),
      );
      // where the API is stays in the log, under the ref the agent can quote
      expect(JSON.stringify(unavailable)).not.toContain(new URL(stopped.url).host);
      expect(errorDataOf(unavailable)).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true });
      expect(
        await errorText(down.client, 'register_user', {
          username: 'zed',
          email: 'z@example.com',
          password: PASSWORD,
        }),
      ).toMatch(
        new RegExp(`^UPSTREAM_ERROR: the users API is unavailable \\(tried 1 time\\) \\(ref: ${REF}\\)$`),
      );
    } finally {
      await down.close();
    }
  });

  it('is ready while the API answers, and /readyz names it when it does not', async () => {
    const served = await serveForTest(
      createUsersServer({ api: createUsersApiClient({ baseUrl: api.url, apiKey: API_KEY }) }),
    );
    const stopped = await startTestUsersApi();
    await stopped.stop();
    const down = await serveForTest(
      createUsersServer({
        api: createUsersApiClient({ baseUrl: stopped.url, retries: 0 }),
      }),
    );
    try {
      const ready = await fetch(`${served.origin}/readyz`);
      expect(ready.status).toBe(200);
      const notReady = await fetch(`${down.origin}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        status: 'not ready',
        checks: { 'users-api': `users API at ${stopped.url} is unavailable (tried 1 time)` },
      });
    } finally {
      await served.close();
      await down.close();
    }
  });

  it('never echoes or logs a password', async () => {
    const secret = 'hunter2-but-longer-and-secret';
    const user = await connected.client.callTool({
      name: 'register_user',
      arguments: { username: 'secretive', email: 'secretive@example.com', password: secret },
    });
    const changed = await connected.client.callTool({
      name: 'update_user',
      arguments: { user_id: (user.structuredContent as { id: number }).id, password: `${secret}-2` },
    });
    const refused = await connected.client.callTool({
      name: 'register_user',
      arguments: { username: 'secretive', email: 'other@example.com', password: secret },
    });
    for (const result of [user, changed, refused]) expect(JSON.stringify(result)).not.toContain(secret);
    expect(serverLogs.text()).toContain('"msg":"user registered"');
    expect(serverLogs.text()).not.toContain(secret);
    expect(serverLogs.text()).not.toContain(API_KEY);
    expect(apiLogs.text()).toContain('"path":"/users/register"');
    expect(apiLogs.text()).not.toContain(secret);
  });
});
