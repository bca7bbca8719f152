import { AppError, defineTool, type HttpClient, isAppError } from '@mcp-stack/core';
import { z } from 'zod';

export const JokeSchema = z.object({
  setup: z.string().min(1).max(2_000),
  punchline: z.string().min(1).max(2_000),
});

export function jokeTool(jokes: HttpClient) {
  return defineTool({
    name: 'fetch_joke',
    title: 'Fetch a joke',
    description: 'A random joke from a public joke API: its setup and its punchline.',
    input: {},
    output: JokeSchema,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    handler: async (_args, ctx) => {
      try {
        // extra fields of the upstream answer (id, type) are dropped by the schema
        return await jokes.get('', { schema: JokeSchema, signal: ctx.signal });
      } catch (error) {
        if (isAppError(error) && error.code !== 'CANCELLED') {
          throw new AppError(
            error.code === 'UPSTREAM_TIMEOUT' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
            // core takes the API's address out of what the client sees and logs it under a ref
            `the joke API failed: ${error.message}`,
            {
              cause: error,
              // an answer that breaks the schema comes back the same: not worth a retry
              ...(error.details?.retryable === false && { details: { retryable: false } }),
            },
          );
        }
        throw error;
      }
    },
  });
}
