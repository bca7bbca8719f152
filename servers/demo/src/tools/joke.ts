import { AppError, defineTool, type HttpClient, isAppError } from '@mcp-stack/core';
import { z } from 'zod';

export const JokeSchema = z.object({
  setup: z.string().min(1).max(2_000),
  punchline: z.string().min(1).max(2_000),
});

export function jokeTool(jokes: HttpClient, jokeApiUrl: string) {
  return defineTool({
    name: 'fetch_joke',
    title: 'Fetch a joke',
    description: 'A random joke from a public joke API: its setup and its punchline.',
    input: {},
    output: JokeSchema,
    summary: ({ setup, punchline }) => `${setup} - ${punchline}`,
    annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: true },
    handler: async (_args, ctx) => {
      try {
        // extra fields of the upstream answer (id, type) are dropped by the schema
        return await jokes.get('', { schema: JokeSchema, signal: ctx.signal });
      } catch (error) {
        if (isAppError(error) && error.code !== 'CANCELLED') {
          throw new AppError(
            error.code === 'UPSTREAM_TIMEOUT' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
            `the joke API at ${jokeApiUrl} failed: ${error.message}`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    },
  });
}
