// Many registrations of one username at once, from several users MCP server processes: exactly
// one succeeds, every other one is a clear CONFLICT, and the database holds exactly one row. Once
// through one users-api, once through several users-api processes sharing one SQLite file.
import { join } from 'node:path';
import type { Client } from '@mcp-stack/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Processes, uniqueSuffix } from './fixtures/processes.ts';
import { type CallResult, data, textOf, type User } from './fixtures/results.ts';

const API_KEY = 'race-users-api-key-0123456789';
const processes = new Processes();
afterEach(() => processes.cleanup(), 60_000);

interface Setup {
  dbPath: string;
  clients: Client[];
}

/** `apis` users-api processes on one new database file, and `servers` users MCP stdio servers spread over them. */
async function setUp(apis: number, servers: number): Promise<Setup> {
  const dbPath = join(processes.tempDir(), 'users.sqlite');
  // started together: they also race to create the schema in the new file
  const started = await Promise.all(
    Array.from({ length: apis }, () =>
      processes.usersApi({ USERS_DB_PATH: dbPath, USERS_API_KEY: API_KEY, LOG_LEVEL: 'info' }),
    ),
  );
  const clients = await Promise.all(
    Array.from({ length: servers }, async (_, i) => {
      const api = started[i % apis];
      if (!api) throw new Error('no api');
      const { client } = await processes.usersMcpStdio({
        USERS_API_URL: api.url,
        USERS_API_KEY: API_KEY,
        LOG_LEVEL: 'warn',
      });
      return client;
    }),
  );
  return { dbPath, clients };
}

function rowsNamed(dbPath: string, username: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM users WHERE username = ?').pluck().get(username) as number;
  } finally {
    db.close();
  }
}

/**
 * `attempts` register_user calls for one new username, spread round-robin over the clients and
 * sent at once (each with its own email, so only the username collides). Checks the outcome.
 */
async function race({ dbPath, clients }: Setup, attempts: number): Promise<void> {
  const username = `race_${uniqueSuffix()}`;
  const results: CallResult[] = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      (clients[i % clients.length] as Client).callTool(
        {
          name: 'register_user',
          arguments: {
            username,
            email: `${username}.${i}@example.com`,
            password: `password-of-attempt-${i}`,
          },
        },
        undefined,
        { timeout: 60_000 },
      ),
    ),
  );
  const won = results.filter((r) => !r.isError);
  const lost = results.filter((r) => r.isError);
  expect(won, results.map(textOf).join('\n')).toHaveLength(1);
  const winner = won[0]?.structuredContent as User | undefined;
  expect(winner?.username).toBe(username);
  expect(lost.map(textOf)).toEqual(Array(attempts - 1).fill(`CONFLICT: username ${username} is taken`));
  expect(rowsNamed(dbPath, username)).toBe(1);
  // and every process sees that one user
  for (const client of clients) {
    expect(await data(client, 'list_users', { query: username })).toEqual({
      users: [winner],
      next_cursor: null,
    });
  }
}

describe('concurrent registrations of one username', () => {
  it('20 at once from 4 users MCP processes, one users-api: exactly one succeeds', async () => {
    const setup = await setUp(1, 4);
    await race(setup, 20);
  }, 90_000);

  it('20 at once from 3 users MCP processes over 3 users-api processes sharing one SQLite file: exactly one row', async () => {
    const setup = await setUp(3, 3);
    await race(setup, 20);
  }, 90_000);
});

describe.runIf(process.env.MCP_STACK_SLOW_TESTS)('concurrent registrations, long run', () => {
  it('25 rounds of 100 registrations of one name from 8 processes over 4 users-api on one file', async () => {
    const setup = await setUp(4, 8);
    for (let round = 0; round < 25; round++) await race(setup, 100);
  }, 600_000);
});
