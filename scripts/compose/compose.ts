// What `pnpm test:compose` drives the stack with: the compose command (v2 or v1), health waits,
// and MCP calls over HTTP, each a plain function of the project it works on.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connectHttp } from '@mcp-stack/core/testing';

export const exec = promisify(execFile);

export function step(text: string): void {
  console.log(`\n== ${text} (${elapsed()})`);
}

const started = performance.now();
/** Seconds since the test started, for the log. */
export function elapsed(): string {
  return `${((performance.now() - started) / 1000).toFixed(0)} s`;
}

/** `docker compose` (v2) when the engine's client has it, else `docker-compose` (v1). */
export async function composeCommand(): Promise<string[]> {
  try {
    await exec('docker', ['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

export type Compose = (...args: string[]) => Promise<string>;

/** Runs the compose command in `cwd` with `env`; each run bounded by `timeoutMs`. */
export function composeRunner(command: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  const [program, ...rest] = command as [string, ...string[]];
  return async (...args: string[]): Promise<string> => {
    const { stdout } = await exec(program, [...rest, ...args], {
      cwd,
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: timeoutMs,
    });
    return stdout;
  };
}

/** Waits until the project has `count` containers, every one healthy (each has a health check). */
export async function waitHealthy(dc: Compose, count: number, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = (await dc('ps', '-q')).split('\n').filter(Boolean);
    const { stdout } = ids.length
      ? await exec('docker', ['inspect', '--format', '{{.Name}} {{.State.Health.Status}}', ...ids])
      : { stdout: '' };
    const states = stdout.trim().split('\n').filter(Boolean);
    const healthy = states.filter((s) => s.endsWith(' healthy')).length;
    console.log(
      `   ${healthy}/${count} healthy (${elapsed()}): ${states.filter((s) => !s.endsWith(' healthy')).join(' | ')}`,
    );
    if (ids.length > count)
      throw new Error(`expected ${count} containers, found ${ids.length}: ${states.join(', ')}`);
    if (ids.length === count && healthy === count) return;
    if (Date.now() > deadline) throw new Error(`not healthy in time: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

/** One tool call through the SDK client (initialize, then the call); its structuredContent. */
export async function callTool(url: string, key: string, tool: string, args: Record<string, unknown>) {
  const { client, close } = await connectHttp(url, { headers: { authorization: `Bearer ${key}` } });
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
    if (result.isError) throw new Error(`${url} ${tool}: ${text}`);
    console.log(`   ${url} ${tool} -> ${text.slice(0, 120)}`);
    return result.structuredContent as Record<string, string | number>;
  } finally {
    await close();
  }
}

/** One stateless JSON-RPC request (one HTTP request): its status and parsed answer. */
export async function rpc(url: string, key: string | undefined, method: string, params: unknown = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await response.text();
  let body: { result?: { isError?: boolean; structuredContent?: Record<string, unknown> }; error?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text.slice(0, 200) };
  }
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), body };
}

/** A call without credentials must get 401 with WWW-Authenticate. */
export async function expectUnauthorized(url: string): Promise<void> {
  const { status, wwwAuthenticate } = await rpc(url, undefined, 'tools/list');
  console.log(`   ${url} without a key -> ${status} ${wwwAuthenticate ?? ''}`);
  if (status !== 401 || !wwwAuthenticate)
    throw new Error(`expected 401 with WWW-Authenticate from ${url}, got ${status}`);
}
