import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { connectHttp, spawnStdio } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from './schemas.ts';
import { data, errorText } from './test-fixtures/results.ts';
import { API_KEY, startTestUsersApi, type TestUsersApi } from './test-fixtures/users-api.ts';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const PASSWORD = 'e2e-secret-password';
let api: TestUsersApi;
const children: ChildProcess[] = [];

beforeAll(async () => {
  api = await startTestUsersApi();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await api?.stop();
});

const env = () => ({ USERS_API_URL: api.url, USERS_API_KEY: API_KEY, LOG_LEVEL: 'debug' });

describe('mcp-server-users, spawned', () => {
  it('serves the tools over stdio, logging to stderr without the password', async () => {
    const stdio = await spawnStdio(process.execPath, ['--conditions=@mcp-stack/source', BIN], { env: env() });
    try {
      const user = await data<UserRecord>(stdio.client, 'register_user', {
        username: 'stdio_user',
        email: 'stdio@example.com',
        password: PASSWORD,
      });
      expect(await data(stdio.client, 'get_user', { user_id: user.id })).toEqual(user);
      expect(await errorText(stdio.client, 'get_user', { user_id: 999_999 })).toBe(
        'NOT_FOUND: no user with id 999999',
      );
      expect(stdio.stderr()).toContain('"msg":"serving"');
      expect(stdio.stderr()).not.toContain(PASSWORD);
      expect(stdio.stderr()).not.toContain(API_KEY);
    } finally {
      await stdio.close();
    }
  });

  it('serves the tools over HTTP on a free port, with /readyz checking the API, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--conditions=@mcp-stack/source', BIN, '--http', '--port', '0'], {
      env: { ...process.env, ...env() },
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await expect
      .poll(() => stderr.includes('"msg":"listening"') || child.exitCode !== null, { timeout: 30_000 })
      .toBe(true);
    const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
    expect(line, stderr).toBeDefined();
    const url = JSON.parse(line as string).url as string;

    const ready = await fetch(new URL('/readyz', url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { 'users-api': 'ok' } });

    const http = await connectHttp(url);
    try {
      const user = await data<UserRecord>(http.client, 'register_user', {
        username: 'http_user',
        email: 'http@example.com',
        password: PASSWORD,
      });
      const page = await data(http.client, 'list_users', { query: 'http_user' });
      expect(page).toEqual({ users: [user], next_cursor: null });
      expect(
        await errorText(http.client, 'register_user', {
          username: 'http_user',
          email: 'h2@example.com',
          password: PASSWORD,
        }),
      ).toBe('CONFLICT: username http_user is taken');
      expect(await data(http.client, 'delete_user', { user_id: user.id })).toEqual({
        id: user.id,
        deleted: true,
      });
    } finally {
      await http.close();
    }
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stderr).not.toContain(PASSWORD);
    expect(stderr).not.toContain(API_KEY);
  });
});
