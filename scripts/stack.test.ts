import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectHttp } from '@mcp-stack/core/testing';
import { describe, expect, it } from 'vitest';

// Runs the built bins (dist/): the test command builds before it tests.
const STACK = fileURLToPath(new URL('./stack.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the native stack (pnpm start)', () => {
  it('starts every service healthy, serves a tool on each MCP server, and stops them all on Ctrl-C', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mcp-stack-start-'));
    const ports = {
      USERS_API_PORT: await freePort(),
      USERS_MCP_PORT: await freePort(),
      CUSTOMER_DB_MCP_PORT: await freePort(),
      DEMO_MCP_PORT: await freePort(),
    };
    const child = spawn(process.execPath, [STACK], {
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        MCP_STACK_DATA_DIR: dataDir,
      },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    try {
      await expect.poll(() => out.includes('Press Ctrl-C'), { timeout: 60_000, interval: 200 }).toBe(true);
      expect(out).not.toContain('NOT HEALTHY');
      for (const [label, port] of [
        ['users MCP', ports.USERS_MCP_PORT],
        ['customer-db MCP', ports.CUSTOMER_DB_MCP_PORT],
        ['demo MCP', ports.DEMO_MCP_PORT],
      ] as const) {
        expect(out).toMatch(new RegExp(`${label}\\s+http://127\\.0\\.0\\.1:${port}/mcp\\s+healthy`));
      }
      // logs come prefixed with their service
      expect(out).toMatch(/^users-api\s+│ info\s+listening/m);
      expect(out).toMatch(/^demo\s+│ info\s+listening/m);
      expect(out).toContain(`"url": "http://127.0.0.1:${ports.DEMO_MCP_PORT}/mcp"`);

      const calls = [
        [
          ports.USERS_MCP_PORT,
          'register_user',
          { username: 'stack_test', email: 'stack@example.com', password: 'correct horse battery' },
        ],
        [ports.CUSTOMER_DB_MCP_PORT, 'get_customer', { customer_id: '1234' }],
        [ports.DEMO_MCP_PORT, 'generate_random_number', { min_value: 1, max_value: 3 }],
      ] as const;
      for (const [port, tool, args] of calls) {
        const { client, close } = await connectHttp(`http://127.0.0.1:${port}/mcp`);
        const result = await client.callTool({ name: tool, arguments: args });
        await close();
        expect(result.isError, `${tool}: ${JSON.stringify(result.content)}`).toBeFalsy();
      }

      const pids = [...out.matchAll(/"?pid"?[=:](\d+)/g)].map((m) => Number(m[1]));
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(out).toContain('mcp-stack: stopped');
      for (const pid of new Set(pids)) expect(isAlive(pid), `process ${pid} left behind`).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('names the service whose port is taken, without a stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [STACK], {
        env: {
          ...process.env,
          DEMO_MCP_PORT: String(taken),
          USERS_API_PORT: String(await freePort()),
          USERS_MCP_PORT: String(await freePort()),
          CUSTOMER_DB_MCP_PORT: String(await freePort()),
        },
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (out += chunk));
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      expect(out).toContain(`port ${taken} (demo MCP) is already in use`);
      expect(out).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });
});
