import { createHttpClient, envUrl, type ServerCli } from '@mcp-stack/core';
import { z } from 'zod';
import { secureRandomInt } from './random.ts';
import { createDemoServer } from './server.ts';
import { VERSION } from './version.ts';

export const DEFAULT_JOKE_API_URL = 'https://official-joke-api.appspot.com/random_joke';

const options = {
  jokeApiUrl: {
    env: 'JOKE_API_URL',
    flag: '--joke-api-url',
    placeholder: 'url',
    description: 'where fetch_joke gets its jokes',
    defaultText: DEFAULT_JOKE_API_URL,
    schema: envUrl().default(DEFAULT_JOKE_API_URL),
  },
  environment: {
    env: 'ENVIRONMENT',
    description: 'the environment demo://app-info reports',
    defaultText: 'development',
    schema: z.string().min(1).max(64).default('development'),
  },
};

/** The demo server's bin: core's CLI with the demo's own options. */
export const demoCli: ServerCli<typeof options> = {
  bin: 'mcp-server-demo',
  version: VERSION,
  description: 'tools, resources and prompts of every kind an MCP server offers',
  port: 3003,
  options,
  create: ({ jokeApiUrl, environment }, { logger }) =>
    createDemoServer({
      jokes: createHttpClient({
        baseUrl: jokeApiUrl,
        timeoutMs: 5_000,
        retry: { limit: 2 },
        concurrency: 8,
        logger,
      }),
      random: secureRandomInt,
      now: () => new Date(),
      environment,
      version: VERSION,
    }),
};
