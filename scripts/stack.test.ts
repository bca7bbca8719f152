import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectHttp } from '@mcp-stack/core/testing';
import { describe, expect, it } from 'vitest';
import { freePorts, isAlive, ROOT, STACK, untilOutput } from './test-support.ts';

// Runs the built bins (dist/): the test command builds before it tests.
describe('the native stack (pnpm start)', () => {
  it('starts every service healthy, serves a tool on each MCP server, and stops them all on Ctrl-C', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mcp-stack-start-'));
    const ports = Object.fromEntries(Object.entries(await freePorts()).map(([k, v]) => [k, Number(v)])) as {
      USERS_API_PORT: number;
      USERS_MCP_PORT: number;
      CUSTOMER_DB_MCP_PORT: number;
      DEMO_MCP_PORT: number;
    };
    const child = spawn(process.execPath, [STACK, '--no-build'], {
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
      await untilOutput(child, () => out, 'Press Ctrl-C');
      expect(out).toContain('mcp-stack is up');
      for (const [label, port] of [
        ['users MCP', ports.USERS_MCP_PORT],
        ['customer-db MCP', ports.CUSTOMER_DB_MCP_PORT],
        ['demo MCP', ports.DEMO_MCP_PORT],
      ] as const) {
        expect(out).toMatch(
          new RegExp(`${label}\\s+http://127\\.0\\.0\\.1:${port}/mcp\\s+ready \\(/readyz\\)`),
        );
      }
      // a config for each client the README names; Claude Desktop's over stdio only
      const claude = JSON.parse(
        out.slice(out.indexOf('{', out.indexOf('Claude Desktop'))).split('\n\n')[0] ?? '',
      );
      expect(Object.values(claude.mcpServers).every((entry) => 'command' in (entry as object))).toBe(true);
      expect(claude.mcpServers['mcp-stack-users']).toEqual({
        command: 'npx',
        args: ['-y', 'mcp-remote', `http://127.0.0.1:${ports.USERS_MCP_PORT}/mcp`],
      });
      expect(out).not.toContain('USERS_API_KEY'); // this run's key between the API and the server
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
      // "stopped" comes after every service has closed: each logged its own stop before it
      const stopped = out.indexOf('mcp-stack: stopped');
      expect(stopped).toBeGreaterThan(0);
      for (const service of ['users-api', 'users', 'customer-db', 'demo']) {
        const own = [...out.matchAll(new RegExp(`^${service}\\s+│ info\\s+stopped`, 'gm'))];
        expect(own.length, `${service} logged its stop`).toBe(1);
        expect(own[0]?.index ?? -1).toBeLessThan(stopped);
      }
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
        env: { ...process.env, ...(await freePorts()), DEMO_MCP_PORT: String(taken) },
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
  it('pnpm start: shows the build, and on Ctrl-C (SIGINT to its process group) stops all and exits 0 without ELIFECYCLE', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mcp-stack-start-'));
    // a process group of its own, as a terminal's foreground job: Ctrl-C signals the whole group
    const child = spawn('pnpm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, ...(await freePorts()), MCP_STACK_DATA_DIR: dataDir },
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    try {
      await untilOutput(child, () => out, 'Press Ctrl-C');
      expect(out).toMatch(/mcp-stack: building users-api, users, customer-db, demo/);
      expect(out).toMatch(/^build\s+│ @mcp-stack\/server-demo:build: /m);
      expect(out).toMatch(/mcp-stack: built in \d+\.\d s/);
      const exited = once(child, 'exit');
      process.kill(-(child.pid as number), 'SIGINT');
      const [code] = await exited;
      expect(code, out).toBe(0);
      expect(out).toContain('mcp-stack: stopped');
      expect(out).not.toContain('ELIFECYCLE');
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
    // pnpm start builds what changed first: up to a couple of minutes on a busy machine when the
    // sources changed since the last build (pnpm test builds before it tests, so usually seconds)
  }, 240_000);

  it('names a service that fails to start, stops the rest, and exits non-zero', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mcp-stack-start-'));
    // a folder where customer-db's SQLite file should be: it cannot open its database
    await mkdir(join(dataDir, 'customer-db.sqlite'));
    const child = spawn(process.execPath, [STACK, '--no-build', '--only', 'customer-db'], {
      env: { ...process.env, ...(await freePorts()), MCP_STACK_DATA_DIR: dataDir },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    try {
      const [code] = await once(child, 'exit');
      expect(code, out).toBe(1);
      expect(out).toMatch(/mcp-stack: customer-db exited \(code \d+\); stopping the rest/);
      expect(out).not.toContain('mcp-stack is up');
      expect(out).toContain('mcp-stack: stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
