// `pnpm test:compose`: the stack in containers, as a user starts it, in two rounds.
//
// 1. `docker compose up` (no profile): four containers, customer-db on SQLite. Every service
//    healthy, a tool on each MCP server with the API key, 401 without, data kept across a restart.
// 2. `docker compose --profile scale up`: the same four plus Redis, PostgreSQL, three replicas of
//    each MCP server and HAProxy in front. Through HAProxy: every replica up in its backend, a tool
//    on each server, 401 without; customer-db's data in PostgreSQL (migrated and given its demo
//    rows once for three replicas), a customer written once and read through every replica
//    (HAProxy's statistics say which served), one client's rate limit held across the replicas
//    (about its burst, not three times it), and everything kept across a restart.
//
// Everything it started is removed (containers, network, volumes), pass or fail, and on Ctrl-C.
// Needs a Docker engine (here: ../shared/tools/docker-offline) and `docker compose` v2 or
// `docker-compose` v1 (1.28 or later). It runs on ports of its own, so a running stack is not
// disturbed, under a project name of its own.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  callTool,
  composeCommand,
  composeRunner,
  elapsed,
  expectUnauthorized,
  rpc,
  step,
  waitHealthy,
} from './compose/compose.ts';
import { burst, haproxyStats, psql, servedBetween, upReplicas } from './compose/scale.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'compose-test-key-0123456789';
// a client of its own for the rate-limit check, so the other calls do not spend its budget
const BURST_KEY = 'compose-test-burst-key-0123456789';
const DIRECT = { users: 13001, 'customer-db': 13002, demo: 13003 } as const;
const BALANCED = { users: 13101, 'customer-db': 13102, demo: 13103 } as const;
const STATS_PORT = 18404;
// the scale round's limit: small enough to reach in a second, big enough for the other calls
const RATE = { rps: 1, burst: 40 };
const DEADLINE_MS = 30 * 60_000;

const env: NodeJS.ProcessEnv = {
  ...process.env,
  COMPOSE_PROJECT_NAME: 'mcp-stack-compose-test',
  DOCKER_BUILDKIT: '1',
  COMPOSE_DOCKER_CLI_BUILD: '1',
  // docker-compose v1 gives up on the engine after 60 s, which removing containers on a slow
  // storage driver (vfs) can take
  COMPOSE_HTTP_TIMEOUT: '300',
  MCP_API_KEYS: `tester:${KEY},burst:${BURST_KEY}`,
  USERS_API_PORT: '18000',
  USERS_MCP_PORT: String(DIRECT.users),
  CUSTOMER_DB_MCP_PORT: String(DIRECT['customer-db']),
  DEMO_MCP_PORT: String(DIRECT.demo),
  SCALE_USERS_MCP_PORT: String(BALANCED.users),
  SCALE_CUSTOMER_DB_MCP_PORT: String(BALANCED['customer-db']),
  SCALE_DEMO_MCP_PORT: String(BALANCED.demo),
  HAPROXY_STATS_PORT: String(STATS_PORT),
};
const command = await composeCommand();
const dc = composeRunner(command, root, env, 1_800_000);
const dcScale = composeRunner(
  command,
  root,
  { ...env, MCP_RATE_LIMIT_RPS: String(RATE.rps), MCP_RATE_LIMIT_BURST: String(RATE.burst) },
  1_800_000,
);
const mcp = (port: number) => `http://127.0.0.1:${port}/mcp`;
const figures: string[] = [];

async function defaultStack(): Promise<void> {
  step(`default stack: build and start (${command.join(' ')} up)`);
  await dc('up', '-d', '--build');
  step('wait until every service is healthy (4 containers: no profile service starts)');
  await waitHealthy(dc, 4);

  step('one tool on each MCP server, with the API key');
  const user = await callTool(mcp(DIRECT.users), KEY, 'register_user', {
    username: `compose_${Date.now()}`,
    email: `c${Date.now()}@example.com`,
    password: 'correct horse battery staple',
  });
  const customer = await callTool(mcp(DIRECT['customer-db']), KEY, 'create_customer', {
    name: 'Compose Test',
    email: `compose${Date.now()}@example.com`,
  });
  await callTool(mcp(DIRECT['customer-db']), KEY, 'get_customer', { customer_id: '1234' });
  await callTool(mcp(DIRECT.demo), KEY, 'generate_random_number', { min_value: 1, max_value: 6 });

  step('a call without credentials gets 401');
  for (const port of Object.values(DIRECT)) await expectUnauthorized(mcp(port));

  step('data survives a restart');
  await dc('restart');
  await waitHealthy(dc, 4);
  const again = await callTool(mcp(DIRECT.users), KEY, 'get_user', { user_id: user.id });
  const customerAgain = await callTool(mcp(DIRECT['customer-db']), KEY, 'get_customer', {
    customer_id: customer.id,
  });
  if (again.username !== user.username || customerAgain.email !== customer.email)
    throw new Error('data lost across the restart');
  step('default stack passed; removing it');
  await dc('down', '-v', '--remove-orphans');
}

async function scaleStack(): Promise<void> {
  const started = performance.now();
  step(`profile scale: build and start (${command.join(' ')} --profile scale up)`);
  await dcScale('--profile', 'scale', 'up', '-d', '--build');
  step('wait until every service is healthy (4 + redis, postgres, 3 x 3 replicas, haproxy = 16)');
  await waitHealthy(dcScale, 16);
  figures.push(`scale profile up and healthy in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  step('HAProxy has three replicas up behind each server (health-checked on /readyz)');
  let stats = await haproxyStats(STATS_PORT);
  for (const backend of Object.keys(BALANCED)) {
    const up = upReplicas(stats, backend);
    console.log(`   ${backend}: ${up.join(', ')}`);
    if (up.length !== 3) throw new Error(`${backend}: ${up.length} replicas up in HAProxy, not 3`);
  }

  step('one tool on each MCP server through HAProxy, with the API key; 401 without');
  const user = await callTool(mcp(BALANCED.users), KEY, 'register_user', {
    username: `scale_${Date.now()}`,
    email: `s${Date.now()}@example.com`,
    password: 'correct horse battery staple',
  });
  const customer = await callTool(mcp(BALANCED['customer-db']), KEY, 'create_customer', {
    name: 'Scale Test',
    email: `scale${Date.now()}@example.com`,
  });
  await callTool(mcp(BALANCED.demo), KEY, 'generate_random_number', { min_value: 1, max_value: 6 });
  for (const port of Object.values(BALANCED)) await expectUnauthorized(mcp(port));

  step('customer-db keeps its data in PostgreSQL, migrated and seeded once for three replicas');
  const stored = await psql(dcScale, `SELECT email FROM customers WHERE id = ${Number(customer.id)}`);
  console.log(`   PostgreSQL: customer ${customer.id} -> ${stored}`);
  if (stored !== customer.email) throw new Error(`customer ${customer.id} is not in PostgreSQL`);
  const versions = await psql(dcScale, 'SELECT count(*) FROM customer_db_schema');
  const alices = await psql(dcScale, "SELECT count(*) FROM customers WHERE email = 'alice@example.com'");
  console.log(`   schema version rows: ${versions}; demo customer alice@example.com: ${alices} row(s)`);
  if (alices !== '1') throw new Error(`the demo data went in ${alices} times, not once`);
  figures.push(`PostgreSQL: schema version rows ${versions}, demo customer rows ${alices}`);

  step('written through one replica, read through all of them');
  const before = await haproxyStats(STATS_PORT);
  const reads = 30;
  for (let i = 0; i < reads; i++) {
    const { status, body } = await rpc(mcp(BALANCED['customer-db']), KEY, 'tools/call', {
      name: 'get_customer',
      arguments: { customer_id: customer.id },
    });
    if (status !== 200 || body.result?.structuredContent?.email !== customer.email)
      throw new Error(`read ${i + 1}: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  }
  stats = await haproxyStats(STATS_PORT);
  const served = servedBetween(before, stats, 'customer-db');
  const replicasServing = Object.values(served).filter((n) => n > 0).length;
  console.log(
    `   ${reads} reads, every one the customer written; requests per replica: ${JSON.stringify(served)}`,
  );
  if (replicasServing < 2) throw new Error(`only ${replicasServing} replica served the reads`);
  figures.push(`${reads} reads of one customer through HAProxy, per replica: ${JSON.stringify(served)}`);

  step(
    `one client's rate limit across the replicas (${RATE.burst} burst, ${RATE.rps}/s each replica's setting)`,
  );
  const total = RATE.burst * 3;
  const result = await burst(mcp(BALANCED.demo), BURST_KEY, total, 10);
  // its burst plus what refilled meanwhile; 10% over that at most (three replicas each with a
  // limit of its own would allow up to three bursts)
  const ceiling = Math.floor((RATE.burst + RATE.rps * result.seconds) * 1.1);
  const line = `${total} calls of one client to demo in ${result.seconds.toFixed(1)} s: ${result.allowed} allowed, ${result.limited} refused with 429 (limit ${RATE.burst} + ${RATE.rps}/s; allowed at most ${ceiling}; three separate limits would allow ${total})`;
  console.log(`   ${line}`);
  figures.push(line);
  if (result.other.length) throw new Error(`statuses other than 200 and 429: ${result.other.join(', ')}`);
  if (result.allowed < RATE.burst || result.allowed > ceiling)
    throw new Error(`allowed ${result.allowed}, expected ${RATE.burst} to ${ceiling}`);

  step('data survives a restart of everything');
  const restartStarted = performance.now();
  await dcScale('--profile', 'scale', 'restart');
  await waitHealthy(dcScale, 16);
  figures.push(
    `restart of all 16 containers to healthy: ${((performance.now() - restartStarted) / 1000).toFixed(0)} s`,
  );
  const again = await callTool(mcp(BALANCED.users), KEY, 'get_user', { user_id: user.id });
  const customerAgain = await callTool(mcp(BALANCED['customer-db']), KEY, 'get_customer', {
    customer_id: customer.id,
  });
  if (again.username !== user.username || customerAgain.email !== customer.email)
    throw new Error('data lost across the restart');
  step('profile scale passed');
}

let failed = false;
let tornDown: Promise<void> | undefined;
/** Removes every container, network and volume of the project (both rounds), once. */
function tearDown(): Promise<void> {
  tornDown ??= (async () => {
    step('tear down (containers, network, volumes)');
    await dc('--profile', 'scale', 'down', '-v', '--remove-orphans').catch((error: unknown) =>
      console.error(String(error)),
    );
  })();
  return tornDown;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    void tearDown().finally(() => process.exit(130));
  });
}
setTimeout(() => {
  console.error(`\ncompose test FAILED: not done in ${DEADLINE_MS / 60_000} minutes`);
  void tearDown().finally(() => process.exit(1));
}, DEADLINE_MS).unref();

try {
  await defaultStack();
  await scaleStack();
  step(`compose test passed in ${elapsed()}`);
  for (const figure of figures) console.log(`   ${figure}`);
} catch (error) {
  failed = true;
  console.error(`\ncompose test FAILED: ${error instanceof Error ? error.message : String(error)}`);
  console.error(await dc('--profile', 'scale', 'logs', '--tail', '30').catch(() => ''));
} finally {
  await tearDown();
}
process.exit(failed ? 1 : 0);
