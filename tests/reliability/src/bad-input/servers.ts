// The three servers under test and what they need: a real users-api on port 0, a temp SQLite
// file for customer-db, a local joke stub for demo. Spawned as bins (corpus) or built in-process
// from each package's exported definition (pollution replay, property tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, type ServerDefinition } from '@mcp-stack/core';
import { createCustomerDbServer, createRepository, openDatabase } from '@mcp-stack/server-customer-db';
import { createDemoServer, secureRandomInt } from '@mcp-stack/server-demo';
import { createUsersApiClient, createUsersServer } from '@mcp-stack/server-users';
import { type RunningUsersApi, startUsersApi } from '@mcp-stack/users-api';
import { cleanEnv } from '../shared/clean-env.ts';

export const SERVERS = ['demo', 'users', 'customer-db'] as const;
export type ServerName = (typeof SERVERS)[number];

export const USERS_API_KEY = 'bad-input-users-api-key-0123456789';
const JOKE = {
  id: 1,
  type: 'general',
  setup: 'Why did the fuzzer cross the road?',
  punchline: 'To get to the other side.',
};

const binOf = (name: ServerName) => join(import.meta.dirname, '../../../../servers', name, 'src/bin.ts');

/** Everything the servers depend on, started once per test file; `close()` stops and removes it all. */
export interface Deps {
  dir: string;
  usersApi: RunningUsersApi;
  jokeUrl: string;
  jokeRequests(): number;
  close(): Promise<void>;
}

export async function startDeps(): Promise<Deps> {
  const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
  let usersApi: RunningUsersApi | undefined;
  let jokes: Server | undefined;
  try {
    usersApi = await startUsersApi({
      dbPath: join(dir, 'users.sqlite'),
      port: 0,
      apiKey: USERS_API_KEY,
      scrypt: { N: 1024, r: 8, p: 1 },
    });
    let served = 0;
    const stub = createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(JOKE));
    });
    jokes = stub;
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const { port } = stub.address() as AddressInfo;
    const api = usersApi;
    return {
      dir,
      usersApi: api,
      jokeUrl: `http://127.0.0.1:${port}/random_joke`,
      jokeRequests: () => served,
      close: async () => {
        await api.close();
        stub.closeAllConnections();
        await new Promise((resolve) => stub.close(resolve));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await usersApi?.close();
    jokes?.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A spawned bin's command line and environment, with nothing of the developer's setup leaking in. */
export function binCommand(
  name: ServerName,
  deps: Deps,
  tag: string,
): { command: string; args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {
    ...cleanEnv(),
    MCP_STACK_DATA_DIR: deps.dir,
    // the corpus is hundreds of requests in a row from one client: the limiter is not under test
    MCP_RATE_LIMIT_RPS: '0',
    LOG_LEVEL: 'warn',
    USERS_API_URL: deps.usersApi.url,
    USERS_API_KEY,
    JOKE_API_URL: deps.jokeUrl,
  };
  const args = ['--conditions=@mcp-stack/source', binOf(name)];
  if (name === 'customer-db') args.push('--db', join(deps.dir, `customers-${tag}.sqlite`));
  return { command: process.execPath, args, env };
}

/** Each server's definition, in-process, over the same dependencies; `close()` releases what it opened. */
export function definitionOf(
  name: ServerName,
  deps: Deps,
  tag: string,
): { definition: ServerDefinition; close(): void } {
  switch (name) {
    case 'demo':
      return {
        definition: createDemoServer({
          jokes: createHttpClient({ baseUrl: deps.jokeUrl, timeoutMs: 5_000, retry: { limit: 0 } }),
          random: secureRandomInt,
          now: () => new Date(),
          environment: 'bad-input',
          version: '0.0.0',
        }),
        close: () => {},
      };
    case 'users':
      return {
        definition: createUsersServer({
          api: createUsersApiClient({ baseUrl: deps.usersApi.url, apiKey: USERS_API_KEY, cacheTtlMs: 0 }),
        }),
        close: () => {},
      };
    case 'customer-db': {
      const db = openDatabase({ path: join(deps.dir, `customers-${tag}.sqlite`), seedDemo: true });
      const repository = createRepository({ db });
      return { definition: createCustomerDbServer({ repository }), close: () => repository.close() };
    }
  }
}
