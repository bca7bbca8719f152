// The whole stack, natively: users-api, then the users, customer-db and demo MCP servers over
// HTTP on 127.0.0.1, each from its built bin. `pnpm start` runs it.
//
//   node scripts/stack.ts                  build what changed (turbo), start all, print endpoints
//                                          and client configs; Ctrl-C stops everything, exit 0
//   node scripts/stack.ts --no-build       start from the bins built already
//   node scripts/stack.ts --replicas 3     each MCP server as 3 replicas behind HAProxy on its
//                                          port, sharing rate limits through Redis (MCP_REDIS_URL,
//                                          default redis://127.0.0.1:6379); a replica that exits
//                                          is started again; `kill -USR2 <pid>` restarts them
//                                          one at a time (a rolling restart)
//   node scripts/stack.ts --only demo,customer-db   a part of the stack
//
// Ports are the contract's; USERS_API_PORT, USERS_MCP_PORT, CUSTOMER_DB_MCP_PORT and DEMO_MCP_PORT
// move one (tests use free ports). Data goes to ./data (MCP_STACK_DATA_DIR moves it).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyConfig, haproxyPath } from './stack/haproxy.ts';
import { type Instance, READY_WITHIN_MS, Supervisor } from './stack/supervisor.ts';

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

const USAGE = readFileSync(fileURLToPath(import.meta.url), 'utf8')
  .split('\nimport ')[0]
  ?.replace(/^\/\/ ?/gm, '');

interface Args {
  build: boolean;
  replicas: number;
  only: string[] | undefined;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { build: true, replicas: 1, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--no-build') args.build = false;
    else if (flag === '--replicas') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 16) return '--replicas needs a whole number from 1 to 16';
      args.replicas = n;
    } else if (flag === '--only') {
      const names = (value() ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !services.some((s) => s.name === n));
      if (names.length === 0 || unknown.length > 0)
        return `--only takes service names from ${services.map((s) => s.name).join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`;
      args.only = names;
    } else return `unknown argument ${arg}`;
  }
  return args;
}

const width = Math.max(...services.map((s) => s.name.length + 3), 'haproxy'.length);

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

/** A port free right now on 127.0.0.1 (for a replica, behind the balancer). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => done(free));
    });
  });
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port: p } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(p || 6379) });
    socket.setTimeout(2_000, () => socket.destroy(new Error('timed out')));
    socket.once('connect', () => {
      socket.end();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

const supervisor = new Supervisor({
  show,
  say,
  onExit: (instance, why, restarted) => {
    if (restarted) say(`mcp-stack: ${instance.name} exited (${why}); starting it again`);
    else {
      say(`mcp-stack: ${instance.name} exited (${why}); stopping the rest`);
      void stopAll(1);
    }
  },
});
let exiting = false;

/** Stops everything, waits until each has closed, says so, and exits with `code`. */
async function stopAll(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const running = supervisor.names();
  if (running.length > 0) say(`\nmcp-stack: stopping ${running.join(', ')}`);
  await supervisor.stopAll();
  say('mcp-stack: stopped');
  process.exit(code);
}

/**
 * Builds the stack's packages and what they depend on with turbo (only what changed since the
 * last build), showing each package as turbo takes it and the time it took.
 */
async function build(chosen: Service[]): Promise<boolean> {
  const packages = chosen.map(
    (s) =>
      (
        JSON.parse(readFileSync(join(root, dirname(dirname(s.bin)), 'package.json'), 'utf8')) as {
          name: string;
        }
      ).name,
  );
  say(
    `mcp-stack: building ${chosen.map((s) => s.name).join(', ')} and what they use (turbo: the first build takes a minute or two, later ones only what changed)`,
  );
  const started = performance.now();
  const code = await supervisor.start({
    name: 'build',
    command: join(root, 'node_modules/.bin/turbo'),
    args: ['run', 'build', ...packages.map((name) => `--filter=${name}`), '--output-logs=hash-only'],
    env: { ...env, TURBO_TELEMETRY_DISABLED: '1' },
    cwd: root,
    step: true,
    // turbo's banner and summary say nothing a reader needs here; its task lines and errors do
    shows: (line) => line.trim() !== '' && !/^\s*(•|Tasks:|Cached:|Time:)/.test(line),
  });
  if (supervisor.stopping) return false;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    say(`mcp-stack: the build failed after ${seconds} s (its errors are above); nothing was started`);
    return false;
  }
  say(`mcp-stack: built in ${seconds} s`);
  return true;
}

/** A service's process: its bin, on `onPort`, answering Host headers for `publicPort` too. */
function instanceOf(service: Service, name: string, onPort: number): Instance {
  const args = service.mcp ? ['--http', '--host', '127.0.0.1', '--port', String(onPort)] : service.args;
  const behindBalancer = onPort !== service.port;
  return {
    name,
    command: process.execPath,
    args: [join(root, service.bin), ...args],
    cwd: root,
    env: {
      ...env,
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      ...service.env,
      // clients address the balancer's port; each replica must accept that Host and advertise it
      ...(behindBalancer && {
        MCP_ALLOWED_HOSTS: `127.0.0.1:${service.port},localhost:${service.port},127.0.0.1:${onPort}`,
        MCP_PUBLIC_URL: `http://127.0.0.1:${service.port}`,
      }),
    },
    probe: `http://127.0.0.1:${onPort}${service.probe}`,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (process.argv.includes('--help')) return say(USAGE ?? '');
  if (typeof args === 'string') {
    say(`mcp-stack: ${args}; see node scripts/stack.ts --help`);
    process.exit(2);
  }
  // users needs its API; --only users brings users-api along
  const chosen = services.filter(
    (s) =>
      !args.only || args.only.includes(s.name) || (s.name === 'users-api' && args.only.includes('users')),
  );
  for (const service of chosen) {
    if (!(await portFree(service.port))) {
      say(
        `mcp-stack: port ${service.port} (${service.label}) is already in use: stop what holds it (lsof -i :${service.port}), or set ${service.portVariable}`,
      );
      process.exit(1);
    }
  }
  const replicated = args.replicas > 1;
  supervisor.restart = replicated;
  const haproxy = replicated ? haproxyPath() : undefined;
  const redisUrl = env.MCP_REDIS_URL || 'redis://127.0.0.1:6379';
  const requestStateKeys = env.MCP_REQUEST_STATE_KEYS || randomBytes(32).toString('base64url');
  if (replicated) {
    if (!haproxy) {
      say(
        'mcp-stack: --replicas puts HAProxy in front of the replicas, and it is not on PATH (Debian and Ubuntu: apt-get install haproxy; macOS: brew install haproxy)',
      );
      process.exit(1);
    }
    if (!(await reachable(redisUrl))) {
      say(
        `mcp-stack: --replicas shares rate limits through Redis, which does not answer at ${new URL(redisUrl).host}: start Redis (redis-server), or set MCP_REDIS_URL`,
      );
      process.exit(1);
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  process.on('exit', () => supervisor.killAll());
  if (args.build && !(await build(chosen))) return stopAll(supervisor.stopping ? 0 : 1);

  mkdirSync(dataDir, { recursive: true });
  const groups = new Map<Service, string[]>();
  const frontends = [];
  for (const service of chosen) {
    if (!service.mcp || !replicated) {
      const instance = instanceOf(service, service.name, service.port);
      supervisor.start(instance);
      groups.set(service, [service.name]);
      // the users MCP server needs its API up first
      if (service.name === 'users-api' && !(await supervisor.waitReady(service.name)))
        return notReady([service]);
      continue;
    }
    const ports = await Promise.all(Array.from({ length: args.replicas }, freePort));
    const names = ports.map((_, i) => `${service.name}#${i + 1}`);
    // out of HAProxy's rotation (checks every 500 ms) before a stopping replica closes its listener
    const replicaEnv = {
      MCP_REDIS_URL: redisUrl,
      // a question's retry may reach another replica: they sign requestState with one key
      MCP_REQUEST_STATE_KEYS: requestStateKeys,
      MCP_SHUTDOWN_DELAY_MS: env.MCP_SHUTDOWN_DELAY_MS ?? '1500',
      // HAProxy's X-Forwarded-For names the client: anonymous callers keep budgets of their own
      MCP_TRUSTED_PROXIES: env.MCP_TRUSTED_PROXIES ?? '127.0.0.1',
    };
    const instances = ports.map((p, i) => {
      const instance = instanceOf(service, names[i] as string, p);
      return { ...instance, env: { ...instance.env, ...replicaEnv } };
    });
    // the first one alone (it may create and migrate the database), then the others together
    supervisor.start(instances[0] as Instance);
    if (!(await supervisor.waitReady(names[0] as string))) return notReady([service]);
    for (const instance of instances.slice(1)) supervisor.start(instance);
    groups.set(service, names);
    frontends.push({ name: service.name, port: service.port, replicas: ports });
  }
  if (replicated) {
    const config = join(dataDir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(frontends));
    supervisor.start({
      name: 'haproxy',
      command: haproxy as string,
      args: ['-f', config, '-db'],
      env,
      cwd: root,
    });
  }
  const ready = await Promise.all(
    chosen.map(
      async (s) =>
        [
          s,
          (await Promise.all((groups.get(s) ?? []).map((n) => supervisor.waitReady(n)))).every(Boolean),
        ] as const,
    ),
  );
  const late = ready.filter(([, ok]) => !ok).map(([s]) => s);
  if (late.length > 0) return notReady(late);
  if (replicated && !(await balancerReady(chosen.filter((s) => s.mcp)))) return notReady([]);

  say('\nmcp-stack is up (every service answers its readiness probe):');
  for (const service of chosen) {
    const url = `http://127.0.0.1:${service.port}${service.mcp ? '/mcp' : ''}`;
    const behind = replicated && service.mcp ? `, ${args.replicas} replicas behind haproxy` : '';
    say(`  ${service.label.padEnd(16)} ${url.padEnd(28)} ready (${service.probe})${behind}`);
  }
  if (replicated) {
    for (const [service, names] of groups) {
      if (service.mcp)
        say(`  ${service.name} replicas: ${names.map((n) => `${n} pid ${supervisor.pid(n)}`).join(', ')}`);
    }
    say(
      `  rate limits, change notifications, caches and tasks shared through Redis at ${new URL(redisUrl).host}; kill -USR2 ${process.pid} restarts the replicas one at a time`,
    );
    process.on(
      'SIGUSR2',
      () => void rollingRestart([...groups].filter(([s]) => s.mcp).flatMap(([, n]) => n)),
    );
  }
  say(clientConfigs(chosen));
  say(`\nData in ${dataDir}. Press Ctrl-C to stop everything.`);
}

let restarting = false;
async function rollingRestart(names: string[]): Promise<void> {
  if (restarting) return say('mcp-stack: a rolling restart is already under way');
  restarting = true;
  say(`mcp-stack: rolling restart of ${names.join(', ')}, one at a time`);
  const done = await supervisor.rollingRestart(names);
  restarting = false;
  if (done)
    say(`mcp-stack: rolling restart done: ${names.map((n) => `${n} pid ${supervisor.pid(n)}`).join(', ')}`);
  else if (!exiting)
    say('mcp-stack: rolling restart stopped: a replica did not come back ready (see its logs above)');
}

/** True once HAProxy answers every MCP server's /readyz on its public port. */
async function balancerReady(mcp: Service[]): Promise<boolean> {
  const deadline = performance.now() + READY_WITHIN_MS;
  for (const service of mcp) {
    for (;;) {
      if (supervisor.stopping || performance.now() > deadline) return false;
      try {
        const response = await fetch(`http://127.0.0.1:${service.port}/readyz`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return true;
}

function notReady(late: Service[]): Promise<void> {
  if (exiting || supervisor.stopping) return stopAll(0);
  for (const service of late) {
    say(
      `mcp-stack: ${service.label} did not answer http://127.0.0.1:${service.port}${service.probe} within ${READY_WITHIN_MS / 1000} s (its logs are above); stopping the rest`,
    );
  }
  if (late.length === 0)
    say('mcp-stack: haproxy did not answer on the public ports (its logs are above); stopping the rest');
  return stopAll(1);
}

/** What to paste into each client named in the README, for this run's ports and paths. */
function clientConfigs(chosen: Service[]): string {
  const mcp = chosen.filter((s) => s.mcp);
  const url = (s: Service) => `http://127.0.0.1:${s.port}/mcp`;
  const vscode = {
    servers: Object.fromEntries(mcp.map((s) => [`mcp-stack-${s.name}`, { type: 'http', url: url(s) }])),
  };
  const cursor = { mcpServers: Object.fromEntries(mcp.map((s) => [`mcp-stack-${s.name}`, { url: url(s) }])) };
  // Claude Desktop starts stdio servers only: each bin over stdio with this Node (>= 22.14), on the
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
