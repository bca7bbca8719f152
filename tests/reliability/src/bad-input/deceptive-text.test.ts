// Text that lies (issue 17, class 8), against the real bins: a NUL or another control character
// never cuts a users filter short (`q=%00` used to list every user); a customer's name or email
// with a bidirectional override, a zero-width character or a lone surrogate (which SQLite used to
// store as U+FFFD, silently another name) is refused, naming the field; joiners inside a word
// or an emoji sequence are kept exactly; a password with a lone surrogate is refused.
import { join } from 'node:path';
import { type Client, textOf } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw } from '../http/client.ts';
import { type Cleanup, type RunningServer, runCleanups, startServer, toolCallBody } from '../http/servers.ts';
import { cleanEnv } from '../shared/clean-env.ts';
import { Processes } from '../users/fixtures/processes.ts';

const API_KEY = 'deceptive-users-api-key-0123456789';

describe('users: a control character never cuts a filter short', () => {
  const processes = new Processes();
  let apiUrl: string;
  let client: Client;
  afterAll(() => processes.cleanup(), 60_000);

  beforeAll(async () => {
    const dbPath = join(processes.tempDir(), 'users.sqlite');
    const api = await processes.usersApi({ ...cleanEnv(), USERS_DB_PATH: dbPath, USERS_API_KEY: API_KEY });
    apiUrl = api.url;
    ({ client } = await processes.usersMcpStdio({
      ...cleanEnv(),
      USERS_API_URL: api.url,
      USERS_API_KEY: API_KEY,
      LOG_LEVEL: 'warn',
    }));
    for (const name of ['ada', 'grace', 'linus']) {
      const result = await client.callTool({
        name: 'register_user',
        arguments: { username: name, email: `${name}@example.test`, password: 'a-password-1' },
      });
      expect(result.isError, textOf(result)).toBeFalsy();
    }
  }, 60_000);

  const get = (query: string) =>
    fetch(`${apiUrl}/users?${query}`, { headers: { authorization: `Bearer ${API_KEY}` } });

  it.each(['q=%00', 'q=ada%00', 'q=%00zzz', 'q=a%0Ab', 'q=%7F'])(
    'the users-api answers GET /users?%s with 400 naming q, not a list',
    async (query) => {
      const answer = await get(query);
      const body = (await answer.json()) as { error?: { code: string; field: string }; users?: unknown[] };
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'q' });
    },
  );

  it('still filters by ordinary text', async () => {
    const body = (await (await get('q=ada')).json()) as { users: Array<{ username: string }> };
    expect(body.users.map((u) => u.username)).toEqual(['ada']);
  });

  it.each(['\u0000', 'ada\u0000', '\u0000zzz'])(
    'list_users refuses the query %j, naming it',
    async (query) => {
      const result = await client.callTool({ name: 'list_users', arguments: { query } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^INVALID_INPUT: .*query: must not contain control characters/);
    },
  );

  it('register_user refuses a password with a lone surrogate, naming it, and registers nothing', async () => {
    const result = await client.callTool({
      name: 'register_user',
      arguments: { username: 'eve', email: 'eve@example.test', password: 'pass\ud800word' },
    });
    expect(result.isError).toBe(true);
    // the API's rule, in the tool's schema: refused before a call
    expect(textOf(result)).toMatch(
      /^INVALID_INPUT: invalid arguments for register_user: password: .*lone surrogate/,
    );
    const body = (await (await get('q=eve')).json()) as { users: unknown[] };
    expect(body.users).toEqual([]);
  });
});

describe('customer-db: names and emails show what they hold', () => {
  const cleanups: Cleanup[] = [];
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('customer-db', cleanups);
  }, 60_000);
  afterAll(() => runCleanups(cleanups));

  let serial = 0;
  const call = async (tool: string, args: Record<string, unknown>) => {
    const response = await raw(server.url, { body: toolCallBody(tool, args, ++serial) });
    expect(response.status, response.body).toBe(200);
    return response.json().result as {
      isError?: boolean;
      content: Array<{ text: string }>;
      structuredContent?: any;
    };
  };

  it.each([
    [
      'a right-to-left override',
      'Invoice \u202Efdp.exe',
      /name: contains a bidirectional control \(U\+202E\)/,
    ],
    [
      'a first-strong isolate',
      'Mallory \u2068Admin\u2069',
      /name: contains a bidirectional control \(U\+2068\)/,
    ],
    ['a zero-width space', 'Alice\u200B Johnson', /name: contains an invisible character \(U\+200B\)/],
    ['a byte-order mark', '\uFEFFAlice Johnson', /name: contains an invisible character \(U\+FEFF\)/],
    ['a stray zero-width joiner', 'Alice \u200DJohnson', /name: contains a zero-width joiner \(U\+200D\)/],
    ['a lone surrogate', 'Alice \ud800Johnson', /name: contains a lone surrogate/],
  ])('create_customer refuses a name with %s, and stores nothing', async (_case, name, message) => {
    const email = `deceptive${serial}@example.test`;
    const created = await call('create_customer', { name, email });
    expect(created.isError).toBe(true);
    expect(created.content[0]?.text).toMatch(/^INVALID_INPUT: /);
    expect(created.content[0]?.text).toMatch(message);
    const found = await call('search_customers', { query: email });
    expect(found.structuredContent.customers).toEqual([]);
  });

  it.each([
    ['a lone surrogate', 'alice\udc00@example.test', /email: contains a lone surrogate/],
    ['a right-to-left override', 'alice\u202E@example.test', /email: contains a bidirectional control/],
    ['a zero-width space', 'alice\u200B@example.test', /email: contains an invisible character/],
  ])('update_customer refuses an email with %s', async (_case, email, message) => {
    const updated = await call('update_customer', { customer_id: '1234', email });
    expect(updated.isError).toBe(true);
    expect(updated.content[0]?.text).toMatch(message);
    const alice = await call('get_customer', { customer_id: '1234' });
    expect(alice.structuredContent.email).toBe('alice@example.com');
  });

  it.each([
    ['a Persian word with ZWNJ', 'می\u200Cخواهم'],
    ['an emoji family (ZWJ)', 'Family 👨\u200D👩\u200D👧'],
    ['a Devanagari conjunct (ZWJ)', 'क्\u200Dष Sharma'],
    ['right-to-left letters', 'שרה לוי'],
  ])('create_customer keeps %s exactly', async (_case, name) => {
    const created = await call('create_customer', { name, email: `kept${serial}@example.test` });
    expect(created.isError, created.content[0]?.text).toBeFalsy();
    const got = await call('get_customer', { customer_id: created.structuredContent.id });
    expect(got.structuredContent.name).toBe(name);
  });
});
