// The whole stack, natively: users-api, then the users, customer-db and demo MCP servers over
// HTTP on 127.0.0.1, each from its built bin. `pnpm start` runs it.
//
//   node scripts/stack.ts             build what changed (turbo), start all, print endpoints and
//                                     client configs; Ctrl-C stops everything and exits 0
//   node scripts/stack.ts --no-build  start from the bins built already
//
// Ports are the contract's; USERS_API_PORT, USERS_MCP_PORT, CUSTOMER_DB_MCP_PORT and DEMO_MCP_PORT
// move one (tests use free ports). Data goes to ./data (MCP_STACK_DATA_DIR moves it).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
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

const width = Math.max(...services.map((s) => s.name.length), 'build'.length);
const children = new Map<string, ChildProcess>();
/** Resolves when a child has exited and its output streams are drained (its 'close' event). */
const closed = new Map<string, Promise<void>>();
let stopping = false;
/** How long a service has to answer its readiness probe after it starts. */
const READY_WITHIN_MS = 60_000;
/** How long a service has to exit after SIGTERM before it is killed. */
const STOP_WITHIN_MS = 15_000;

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

/**
 * Builds the stack's packages and what they depend on with turbo (only what changed since the
 * last build), showing each package as turbo takes it and the time it took. Resolves true when
 * the build succeeded.
 */
async function build(): Promise<boolean> {
  const packages = services.map(
    (s) =>
      (
        JSON.parse(readFileSync(join(root, dirname(dirname(s.bin)), 'package.json'), 'utf8')) as {
          name: string;
        }
      ).name,
  );
  say(
    `mcp-stack: building ${services.map((s) => s.name).join(', ')} and what they use (turbo: the first build takes a minute or two, later ones only what changed)`,
  );
  const started = performance.now();
  const turbo = spawn(
    join(root, 'node_modules/.bin/turbo'),
    ['run', 'build', ...packages.map((name) => `--filter=${name}`), '--output-logs=hash-only'],
    {
      cwd: root,
      env: { ...env, TURBO_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  children.set('build', turbo);
  const done = track('build', turbo, (line) => {
    const text = line.trim();
    // turbo's banner and summary say nothing a reader needs here; its task lines and errors do
    if (text && !/^(•|Tasks:|Cached:|Time:)/.test(text)) show('build', text);
  });
  const [code] = await Promise.all([new Promise<number | null>((r) => turbo.once('exit', r)), done]);
  children.delete('build');
  if (stopping) return false;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    say(`mcp-stack: the build failed after ${seconds} s (its errors are above); nothing was started`);
    return false;
  }
  say(`mcp-stack: built in ${seconds} s`);
  return true;
}

/** Shows a child's output lines with `onLine`; resolves once it has closed (output drained). */
function track(name: string, child: ChildProcess, onLine: (line: string) => void): Promise<void> {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  const whenClosed = new Promise<void>((done) => child.once('close', () => done()));
  closed.set(name, whenClosed);
  return whenClosed;
}

/** True once `service` answers its readiness probe; false if it exits, or is not ready in time. */
async function waitReady(service: Service): Promise<boolean> {
  const child = children.get(service.name);
  const deadline = performance.now() + READY_WITHIN_MS;
  while (performance.now() < deadline && !stopping && child?.exitCode === null && child.signalCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}${service.probe}`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** SIGTERM to every child still running, then waits until each has closed (SIGKILL past the grace). */
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    const running = [...children.entries()].filter(([, c]) => c.exitCode === null && c.signalCode === null);
    if (running.length > 0) say(`\nmcp-stack: stopping ${running.map(([name]) => name).join(', ')}`);
    for (const [, child] of running) {
      signalGroup(child, 'SIGTERM');
      setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_WITHIN_MS).unref();
    }
    await Promise.all(closed.values());
    say('mcp-stack: stopped');
    process.exit(code);
  }
  return new Promise<never>(() => {}); // the first call exits
}

/** Children run in process groups of their own (see `start`): signal the whole group. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts one service in a process group of its own: Ctrl-C reaches this runner only, which stops
 * the services itself, so a service that exits on its own is never mistaken for one stopped by
 * Ctrl-C. If this runner ends any other way, the exit hook in `main` kills what it started.
 */
function start(service: Service): void {
  const child = spawn(process.execPath, [join(root, service.bin), ...service.args], {
    cwd: root,
    env: { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'info', ...service.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(service.name, child);
  void track(service.name, child, (line) => show(service.name, line));
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`mcp-stack: ${service.name} exited (${signal ?? `code ${code}`}); stopping the rest`);
    void stopAll(1);
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    say(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\nimport ')[0]
        ?.replace(/^\/\/ ?/gm, '') ?? '',
    );
    return;
  }
  const unknown = args.filter((a) => a !== '--no-build');
  if (unknown.length > 0) {
    say(`mcp-stack: unknown argument ${unknown.join(' ')}; see node scripts/stack.ts --help`);
    process.exit(2);
  }
  for (const service of services) {
    if (!(await portFree(service.port))) {
      say(
        `mcp-stack: port ${service.port} (${service.label}) is already in use: stop what holds it (lsof -i :${service.port}), or set ${service.portVariable}`,
      );
      process.exit(1);
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  process.on('exit', () => {
    for (const child of children.values()) signalGroup(child, 'SIGKILL');
  });
  if (!args.includes('--no-build') && !(await build())) return stopAll(stopping ? 0 : 1);

  mkdirSync(dataDir, { recursive: true });
  for (const service of services) {
    start(service);
    // the users MCP server needs its API up first
    if (service.name === 'users-api' && !(await waitReady(service))) return notReady([service]);
  }
  const ready = await Promise.all(services.map(async (s) => [s, await waitReady(s)] as const));
  const late = ready.filter(([, ok]) => !ok).map(([s]) => s);
  if (late.length > 0) return notReady(late);

  say('\nmcp-stack is up (every service answers its readiness probe):');
  for (const service of services) {
    const url = `http://127.0.0.1:${service.port}${service.mcp ? '/mcp' : ''}`;
    say(`  ${service.label.padEnd(16)} ${url.padEnd(28)} ready (${service.probe})`);
  }
  say(clientConfigs());
  say(`\nData in ${dataDir}. Press Ctrl-C to stop everything.`);
}

function notReady(late: Service[]): Promise<never> {
  if (stopping) return stopAll(0);
  for (const service of late) {
    say(
      `mcp-stack: ${service.label} did not answer http://127.0.0.1:${service.port}${service.probe} within ${READY_WITHIN_MS / 1000} s (its logs are above); stopping the rest`,
    );
  }
  return stopAll(1);
}

/** What to paste into each client named in the README, for this run's ports and paths. */
function clientConfigs(): string {
  const mcp = services.filter((s) => s.mcp);
  const url = (s: Service) => `http://127.0.0.1:${s.port}/mcp`;
  const vscode = {
    servers: Object.fromEntries(mcp.map((s) => [`mcp-stack-${s.name}`, { type: 'http', url: url(s) }])),
  };
  const cursor = { mcpServers: Object.fromEntries(mcp.map((s) => [`mcp-stack-${s.name}`, { url: url(s) }])) };
  // Claude Desktop starts stdio servers only: each bin over stdio with this Node (>= 22.12), on the
  // stack's data; users goes through the mcp-remote bridge to the running stack, since its API key
  // is this run's own.
  const claude = {
    mcpServers: Object.fromEntries(
      mcp.map((s) => [
        `mcp-stack-${s.name}`,
        s.name === 'users'
          ? { command: 'npx', args: ['-y', 'mcp-remote', url(s)] }
          : {
              command: process.execPath,
              args: [join(root, s.bin)],
              env: {
                MCP_STACK_DATA_DIR: dataDir,
                ...(s.env.CUSTOMER_DB_PATH && { CUSTOMER_DB_PATH: s.env.CUSTOMER_DB_PATH }),
              },
            },
      ]),
    ),
  };
  return [
    '\nVS Code (.vscode/mcp.json), over HTTP:',
    JSON.stringify(vscode, null, 2),
    '\nCursor (.cursor/mcp.json), over HTTP:',
    JSON.stringify(cursor, null, 2),
    '\nClaude Desktop (claude_desktop_config.json), over stdio:',
    JSON.stringify(claude, null, 2),
  ].join('\n');
}

main().catch((error: unknown) => {
  say(`mcp-stack: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
