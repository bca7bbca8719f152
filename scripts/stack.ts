// The whole stack, natively: users-api, then the users, customer-db and demo MCP servers over
// HTTP on 127.0.0.1, each from its built bin. Used by `pnpm start` (which builds first).
//
//   node scripts/stack.ts            start, print endpoints and a client config, Ctrl-C stops all
//
// Ports are the contract's; USERS_API_PORT, USERS_MCP_PORT, CUSTOMER_DB_MCP_PORT and DEMO_MCP_PORT
// move one (tests use free ports). Data goes to ./data (MCP_STACK_DATA_DIR moves it).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const dataDir = resolve(env.MCP_STACK_DATA_DIR ?? join(root, 'data'));
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
// users-api <-> users MCP: a fresh key each run, so the API is never open even on loopback
const usersApiKey = randomBytes(24).toString('base64url');

interface Service {
  name: string;
  label: string;
  bin: string;
  args: string[];
  port: number;
  portVariable: string;
  env: Record<string, string>;
  /** Ready when this answers 200. */
  probe: string;
  mcp: boolean;
}

const usersApiPort = port('USERS_API_PORT', 8000);
const services: Service[] = [
  {
    name: 'users-api',
    label: 'users REST API',
    bin: 'services/users-api/dist/bin.js',
    args: [],
    port: usersApiPort,
    portVariable: 'USERS_API_PORT',
    env: {
      USERS_API_PORT: String(usersApiPort),
      USERS_DB_PATH: join(dataDir, 'users.sqlite'),
      USERS_API_KEY: usersApiKey,
    },
    probe: '/healthz',
    mcp: false,
  },
  mcpServer('users', 'users MCP', 'servers/users', 'USERS_MCP_PORT', 3001, {
    USERS_API_URL: `http://127.0.0.1:${usersApiPort}`,
    USERS_API_KEY: usersApiKey,
  }),
  mcpServer('customer-db', 'customer-db MCP', 'servers/customer-db', 'CUSTOMER_DB_MCP_PORT', 3002, {
    CUSTOMER_DB_PATH: join(dataDir, 'customer-db.sqlite'),
  }),
  mcpServer('demo', 'demo MCP', 'servers/demo', 'DEMO_MCP_PORT', 3003, {}),
  // create-server: new servers are added above this line
];

function mcpServer(
  name: string,
  label: string,
  dir: string,
  portVariable: string,
  fallback: number,
  extra: Record<string, string>,
): Service {
  const servicePort = port(portVariable, fallback);
  return {
    name,
    label,
    bin: `${dir}/dist/bin.js`,
    args: ['--http', '--host', '127.0.0.1', '--port', String(servicePort)],
    port: servicePort,
    portVariable,
    env: { ...extra, MCP_STACK_DATA_DIR: dataDir },
    probe: '/readyz',
    mcp: true,
  };
}

const width = Math.max(...services.map((s) => s.name.length));
const children = new Map<string, ChildProcess>();
let stopping = false;

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** One log line, prefixed with its service: JSON logs shown as `level msg key=value`. */
function show(service: string, line: string): void {
  let text = line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { level, msg, time: _time, pid: _pid, name: _name, hostname: _host, ...rest } = entry;
    const fields = Object.entries(rest)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    text = `${String(level ?? '').padEnd(5)} ${String(msg ?? '')}${fields ? `  ${fields}` : ''}`;
  } catch {
    // not JSON: as it is
  }
  say(`${service.padEnd(width)} │ ${text}`);
}

function portFree(candidate: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(candidate, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

async function waitHealthy(service: Service, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}${service.probe}`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(`\nmcp-stack: stopping ${[...children.keys()].join(', ')}`);
    const exits = [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => {
            child.kill('SIGKILL');
            done();
          }, 15_000).unref();
        }),
    );
    await Promise.all(exits);
    say('mcp-stack: stopped');
  }
  process.exit(code);
}

async function main(): Promise<void> {
  for (const service of services) {
    if (!(await portFree(service.port))) {
      say(
        `mcp-stack: port ${service.port} (${service.label}) is already in use: stop what holds it (lsof -i :${service.port}), or set ${service.portVariable}`,
      );
      process.exit(1);
    }
  }
  mkdirSync(dataDir, { recursive: true });
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const service of services) {
    const child = spawn(process.execPath, [join(root, service.bin), ...service.args], {
      cwd: root,
      env: { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'info', ...service.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(service.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => show(service.name, line));
    }
    child.once('exit', (code, signal) => {
      if (stopping) return;
      say(`mcp-stack: ${service.name} exited (${signal ?? `code ${code}`}); stopping the rest`);
      void stopAll(1);
    });
    // the users MCP server needs its API up first
    if (service.name === 'users-api' && !(await waitHealthy(service))) {
      say('mcp-stack: users-api did not become healthy');
      await stopAll(1);
    }
  }

  const health = await Promise.all(
    services.map(async (service) => [service, await waitHealthy(service)] as const),
  );
  say('\nmcp-stack is up:');
  for (const [service, healthy] of health) {
    const url = `http://127.0.0.1:${service.port}${service.mcp ? '/mcp' : ''}`;
    say(
      `  ${service.label.padEnd(16)} ${url.padEnd(28)} ${healthy ? 'healthy' : 'NOT HEALTHY (see its logs above)'}`,
    );
  }
  const config = Object.fromEntries(
    services
      .filter((s) => s.mcp)
      .map((s) => [`mcp-stack-${s.name}`, { type: 'http', url: `http://127.0.0.1:${s.port}/mcp` }]),
  );
  say(
    '\nClient config (VS Code .vscode/mcp.json; Cursor and Claude use "mcpServers" with the same entries):',
  );
  say(JSON.stringify({ servers: config }, null, 2));
  say(`\nData in ${dataDir}. Press Ctrl-C to stop everything.`);
}

main().catch((error: unknown) => {
  say(`mcp-stack: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
