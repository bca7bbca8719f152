import { envInt, envUrl, type ServerCli } from '@mcp-stack/core';
import { z } from 'zod';
import { createUsersServer } from './server.ts';
import { createUsersApiClient, DEFAULT_USERS_API_MAX_RESPONSE_BYTES } from './users-api.ts';
import { VERSION } from './version.ts';

const options = {
  apiUrl: {
    env: 'USERS_API_URL',
    flag: '--users-api-url',
    placeholder: 'url',
    description: 'the users REST API',
    schema: envUrl().default('http://localhost:8000'),
    defaultText: 'http://localhost:8000',
  },
  apiKey: {
    env: 'USERS_API_KEY',
    description: 'sent to the users API as Authorization: Bearer <key>',
    secret: true,
    schema: z.string().optional(),
  },
  timeoutMs: {
    env: 'USERS_API_TIMEOUT_MS',
    description: 'time limit of one request to the API, in ms',
    schema: envInt(100, 120_000).default(5_000),
    defaultText: '5000',
  },
  retries: {
    env: 'USERS_API_RETRIES',
    description: 'retries of a failed GET or DELETE (POST and PATCH are never retried)',
    schema: envInt(0, 10).default(2),
    defaultText: '2',
  },
  concurrency: {
    env: 'USERS_API_CONCURRENCY',
    description: 'requests to the API in flight at once',
    schema: envInt(1, 1_000).default(16),
    defaultText: '16',
  },
  maxResponseBytes: {
    env: 'USERS_API_MAX_RESPONSE_BYTES',
    description: 'the largest answer read from the API, in bytes; a larger one is refused, not retried',
    schema: envInt(1_024, 1_073_741_824).default(DEFAULT_USERS_API_MAX_RESPONSE_BYTES),
    defaultText: String(DEFAULT_USERS_API_MAX_RESPONSE_BYTES),
  },
  cacheTtlMs: {
    env: 'USERS_API_CACHE_TTL_MS',
    description: 'how long GET answers are cached, in ms; 0 turns the cache off',
    schema: envInt(0, 600_000).default(2_000),
    defaultText: '2000',
  },
};

/** The `mcp-server-users` bin: core's flags and env vars, plus the users API's. */
export const usersCli: ServerCli<typeof options> = {
  bin: 'mcp-server-users',
  version: VERSION,
  description: 'user management (register, look up, list, update, delete) as MCP tools over a users REST API',
  port: 3001,
  options,
  create: (
    { apiUrl, apiKey, timeoutMs, retries, concurrency, cacheTtlMs, maxResponseBytes },
    { logger, redis, reportCache },
  ) => {
    const api = createUsersApiClient({
      baseUrl: apiUrl,
      apiKey,
      timeoutMs,
      retries,
      concurrency,
      cacheTtlMs,
      maxResponseBytes,
      redis,
      logger: logger.child({ upstream: 'users-api' }),
    });
    reportCache?.('users-api', api);
    return createUsersServer({ api });
  },
};
