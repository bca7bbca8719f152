// `pnpm test:compose`: builds and starts the stack in containers, waits until every service is
// healthy, calls a tool on each MCP server over HTTP with its API key, checks that a call without
// one gets 401, checks that data survives a restart, and tears everything down (volumes too).
// Needs a Docker engine (here: ../shared/tools/docker-offline) and `docker compose` v2 or
// `docker-compose` v1. It runs on ports of its own, so a running stack is not disturbed.
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectHttp } from '@mcp-stack/core/testing';

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'compose-test-key-0123456789';
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  COMPOSE_PROJECT_NAME: 'mcp-stack-compose-test',
  DOCKER_BUILDKIT: '1',
  COMPOSE_DOCKER_CLI_BUILD: '1',
  MCP_API_KEYS: `tester:${KEY}`,
  USERS_API_PORT: '18000',
  USERS_MCP_PORT: '13001',
  CUSTOMER_DB_MCP_PORT: '13002',
  DEMO_MCP_PORT: '13003',
};
const MCP = { users: 13001, 'customer-db': 13002, demo: 13003 } as const;

async function composeCommand(): Promise<string[]> {
  try {
    await exec('docker', ['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

const compose = await composeCommand();
async function dc(...args: string[]): Promise<string> {
  const [command, ...rest] = compose as [string, ...string[]];
  const { stdout } = await exec(command, [...rest, ...args], {
    cwd: root,
    env,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 1_800_000,
  });
  return stdout;
}

function step(text: string): void {
  console.log(`\n== ${text}`);
}

async function waitHealthy(timeoutMs = 180_000): Promise<void> {
  const ids = (await dc('ps', '-q')).split('\n').filter(Boolean);
  if (ids.length !== 4) throw new Error(`expected 4 containers, found ${ids.length}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await exec('docker', [
      'inspect',
      '--format',
      '{{.Name}} {{.State.Health.Status}}',
      ...ids,
    ]);
    const states = stdout.trim().split('\n');
    console.log(`   ${states.join(' | ')}`);
    if (states.every((s) => s.endsWith(' healthy'))) return;
    if (Date.now() > deadline) throw new Error(`not healthy in time: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

async function call(server: keyof typeof MCP, tool: string, args: Record<string, unknown>) {
  const { client, close } = await connectHttp(`http://127.0.0.1:${MCP[server]}/mcp`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
    if (result.isError) throw new Error(`${server} ${tool}: ${text}`);
    console.log(`   ${server} ${tool} -> ${text.slice(0, 120)}`);
    return result.structuredContent as Record<string, string | number>;
  } finally {
    await close();
  }
}

let failed = false;
try {
  step(`build and start (${compose.join(' ')})`);
  await dc('up', '-d', '--build');
  step('wait until every service is healthy');
  await waitHealthy();

  step('one tool on each MCP server, with the API key');
  const user = await call('users', 'register_user', {
    username: `compose_${Date.now()}`,
    email: `c${Date.now()}@example.com`,
    password: 'correct horse battery staple',
  });
  const customer = await call('customer-db', 'create_customer', {
    name: 'Compose Test',
    email: `compose${Date.now()}@example.com`,
  });
  await call('customer-db', 'get_customer', { customer_id: '1234' });
  await call('demo', 'generate_random_number', { min_value: 1, max_value: 6 });

  step('a call without credentials gets 401');
  for (const port of Object.values(MCP)) {
    const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    console.log(`   :${port} -> ${response.status} ${response.headers.get('www-authenticate') ?? ''}`);
    if (response.status !== 401 || !response.headers.get('www-authenticate'))
      throw new Error(`expected 401 with WWW-Authenticate on :${port}`);
  }

  step('data survives a restart');
  await dc('restart');
  await waitHealthy();
  const again = await call('users', 'get_user', { user_id: user.id });
  const customerAgain = await call('customer-db', 'get_customer', { customer_id: customer.id });
  if (again.username !== user.username || customerAgain.email !== customer.email)
    throw new Error('data lost across the restart');
  step('compose test passed');
} catch (error) {
  failed = true;
  console.error(`\ncompose test FAILED: ${error instanceof Error ? error.message : String(error)}`);
  console.error(await dc('logs', '--tail', '40').catch(() => ''));
} finally {
  step('tear down (containers, network, volumes)');
  await dc('down', '-v', '--remove-orphans').catch((error: unknown) => console.error(String(error)));
}
process.exit(failed ? 1 : 0);
