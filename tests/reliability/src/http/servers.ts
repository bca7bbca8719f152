// The three real server bins over HTTP, each with what it needs behind it: users with a real
// users-api (on port 0, temp database) behind an optional delaying proxy, customer-db on a temp
// database, demo with its joke API pointed at a local stub. Nothing here reaches past 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import { type RunningUsersApi, startUsersApi } from '@mcp-stack/users-api';
import { expect } from 'vitest';
import { cleanEnv } from '../shared/clean-env.ts';
import { raw } from './client.ts';

export type ServerName = 'users' | 'customer-db' | 'demo';
export const SERVER_NAMES: ReadonlyArray<ServerName> = ['users', 'customer-db', 'demo'];

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BINS: Record<ServerName, string> = {
  users: join(ROOT, 'servers/users/src/bin.ts'),
  'customer-db': join(ROOT, 'servers/customer-db/src/bin.ts'),
  demo: join(ROOT, 'servers/demo/src/bin.ts'),
};

export const USERS_API_KEY = 'reliability-users-api-key-0123456789';

/** A function to run after the test, whatever happens; run them with `runCleanups`. */
export type Cleanup = () => unknown | Promise<unknown>;

export async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length) throw errors[0];
}

/** Listens on 127.0.0.1, port 0; `close()` ends open connections too. */
export async function listenLocal(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface UsersUpstream {
  api: RunningUsersApi;
  /** Where the users server should point: a proxy in front of the API. */
  url: string;
  /** Requests for these paths are held this long before going to the API. */
  slowPaths: Map<string, number>;
  /** Requests the proxy is holding right now. */
  held(): number;
  /** Requests the proxy has passed to the API so far. */
  forwarded(): number;
  /** A user registered at start, to read. */
  user: { id: number; username: string; email: string; created_at: string };
  stop(): Promise<void>;
}

/** The real users-api over a temp database, behind a proxy that can hold chosen paths. */
export async function startUsersUpstream(): Promise<UsersUpstream> {
  const dir = mkdtempSync(join(tmpdir(), 'reliability-users-'));
  const api = await startUsersApi({
    dbPath: join(dir, 'users.sqlite'),
    port: 0,
    apiKey: USERS_API_KEY,
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  const slowPaths = new Map<string, number>();
  let held = 0;
  let forwarded = 0;
  const target = new URL(api.url);
  const proxy = createServer((req, res) => {
    const forward = () => {
      forwarded++;
      const out = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    const delay = slowPaths.get((req.url ?? '').split('?')[0] ?? '');
    if (delay === undefined) return forward();
    held++;
    setTimeout(() => {
      held--;
      forward();
    }, delay);
  });
  const proxied = await listenLocal(proxy);
  const registered = await fetch(`${api.url}/users/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${USERS_API_KEY}` },
    body: JSON.stringify({
      username: 'load_reader',
      email: 'load.reader@example.test',
      password: 'a-password-1',
    }),
  });
  if (registered.status !== 201) throw new Error(`could not register: ${await registered.text()}`);
  const user = (await registered.json()) as UsersUpstream['user'];
  return {
    api,
    url: proxied.url,
    slowPaths,
    held: () => held,
    forwarded: () => forwarded,
    user,
    async stop() {
      await proxied.close();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The joke API's stand-in. */
export async function startJokeStub(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1, type: 'general', setup: 'Why?', punchline: 'Because.' }));
  });
  const listening = await listenLocal(server);
  return { url: `${listening.url}/random_joke`, close: listening.close };
}

export interface StartOptions {
  /** Extra environment for the bin (MCP_API_KEYS, MCP_RATE_LIMIT_RPS, …). */
  env?: Record<string, string>;
  /** Node flags before the script (`--inspect=127.0.0.1:0`). */
  nodeArgs?: string[];
  /** users: the upstream to use (required for users). */
  users?: UsersUpstream;
  /** customer-db: the database file (default: a fresh one in a temp folder, removed on cleanup). */
  dbPath?: string;
  /** demo: the joke API (default: a fresh stub, closed on cleanup). */
  jokeUrl?: string;
}

export interface RunningServer extends SpawnedHttp {
  name: ServerName;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** customer-db: its database file. */
  dbPath?: string;
}

/**
 * Spawns `name`'s real bin from source over HTTP on a free port and waits for it to listen.
 * Everything it started (the process, a temp folder, a stub) is undone by `cleanups`.
 */
export async function startServer(
  name: ServerName,
  cleanups: Cleanup[],
  options: StartOptions = {},
): Promise<RunningServer> {
  const env: Record<string, string> = { ...cleanEnv(), ...options.env };
  let dbPath: string | undefined;
  if (name === 'users') {
    if (!options.users) throw new Error('the users server needs a users upstream');
    Object.assign(env, { USERS_API_URL: options.users.url, USERS_API_KEY: USERS_API_KEY });
  } else if (name === 'customer-db') {
    dbPath = options.dbPath;
    if (!dbPath) {
      const dir = mkdtempSync(join(tmpdir(), 'reliability-customer-db-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      dbPath = join(dir, 'customers.sqlite');
    }
    env.CUSTOMER_DB_PATH = dbPath;
  } else {
    let jokeUrl = options.jokeUrl;
    if (!jokeUrl) {
      const stub = await startJokeStub();
      cleanups.push(() => stub.close());
      jokeUrl = stub.url;
    }
    env.JOKE_API_URL = jokeUrl;
  }
  const spawned = await spawnHttp(
    process.execPath,
    [...(options.nodeArgs ?? []), '--conditions=@mcp-stack/source', BINS[name], '--http', '--port', '0'],
    { env, timeoutMs: 30_000 },
  );
  cleanups.push(() => {
    if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill('SIGKILL');
  });
  return { ...spawned, name, origin: new URL(spawned.url).origin, ...(dbPath && { dbPath }) };
}

/** A cheap, stateless read per server, and how to tell its answer is right. */
export interface CheapCall {
  tool: string;
  args: Record<string, unknown>;
  /** The exact structuredContent expected, or a range for demo's random number. */
  expected: { equals: unknown } | { range: [number, number] };
}

export function cheapCall(name: ServerName, users?: UsersUpstream): CheapCall {
  switch (name) {
    case 'users':
      if (!users) throw new Error('users needs its upstream');
      return { tool: 'get_user', args: { user_id: users.user.id }, expected: { equals: users.user } };
    case 'customer-db':
      return {
        tool: 'get_customer',
        args: { customer_id: '1234' },
        // filled in from a first call (timestamps are the seed's); checked against known fields there
        expected: { equals: undefined },
      };
    case 'demo':
      return {
        tool: 'generate_random_number',
        args: { min_value: 1, max_value: 1000 },
        expected: { range: [1, 1000] },
      };
  }
}

export function toolCallBody(tool: string, args: Record<string, unknown>, id: number | string = 1): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: tool, arguments: args },
  });
}

/** A tool result as the tests read it (structured content of any shape). */
export interface ToolCallAnswer {
  isError?: boolean;
  content: Array<{ text: string }>;
  /** Absent on a tool error; each tool's own shape, read by the test that calls it. */
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs by tool; the caller knows it
  structuredContent: any;
}

/**
 * Calls tools of the server at `url()` over stateless HTTP, a new JSON-RPC id each time; every
 * answer must be HTTP 200; resolves with the result and how long it took.
 */
export function timedToolCaller(url: () => string) {
  let serial = 0;
  return async (tool: string, args: Record<string, unknown>) => {
    const started = performance.now();
    const response = await raw(url(), { body: toolCallBody(tool, args, ++serial) });
    expect(response.status, response.body).toBe(200);
    return { result: response.json().result as ToolCallAnswer, ms: performance.now() - started };
  };
}
