import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from './test-fixtures/temp.ts';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const KEY = 'bin-test-key-0123456789';
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  removeTempDirs();
});

/** Spawns the bin on a free port and waits for its `listening` line. */
async function startBin(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@mcp-stack/source', BIN, '--port', '0'], {
    env: { ...process.env, USERS_API_KEY: KEY, ...env },
  });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => (stdout += chunk));
  await expect
    .poll(() => stderr.includes('"msg":"listening"') || child.exitCode !== null, { timeout: 30_000 })
    .toBe(true);
  const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
  if (!line) throw new Error(`users-api did not start: ${stderr}`);
  const url = JSON.parse(line).url as string;
  return { child, url, stderr: () => stderr, stdout: () => stdout };
}

describe('the users-api bin', () => {
  it('prints help on stdout and exits 0', async () => {
    const child = spawn(process.execPath, ['--conditions=@mcp-stack/source', BIN, '--help']);
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(out).toContain('USERS_DB_PATH');
  });

  it('serves on a free port; two processes sharing one file let one registration of a name win', async () => {
    const dir = tempDir();
    const env = { USERS_DB_PATH: join(dir, 'nested', 'users.sqlite') };
    const [a, b] = await Promise.all([startBin(env), startBin(env)]);
    const health = await fetch(`${a.url}/healthz`);
    expect(health.status).toBe(200);

    const register = (url: string, email: string) =>
      fetch(`${url}/users/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'contested', email, password: 'p4ssword-never-logged' }),
      }).then((r) => r.status);
    const statuses = await Promise.all([register(a.url, 'a@example.com'), register(b.url, 'b@example.com')]);
    expect(statuses.sort()).toEqual([201, 409]);

    // both see the one user
    const list = await fetch(`${b.url}/users?q=contested`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(((await list.json()) as { users: unknown[] }).users).toHaveLength(1);

    for (const bin of [a, b]) {
      bin.child.kill('SIGTERM');
      const [code] = await once(bin.child, 'exit');
      expect(code).toBe(0);
      expect(bin.stderr()).toContain('"msg":"stopped"');
      expect(bin.stderr()).not.toContain('p4ssword-never-logged');
      expect(bin.stderr()).not.toContain(KEY);
      expect(bin.stdout()).toBe('');
    }
  });
});
