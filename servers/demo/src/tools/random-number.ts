import { AppError, defineTool } from '@mcp-stack/core';
import { z } from 'zod';
import type { RandomInt } from '../random.ts';

const bound = (what: string) =>
  z
    .number()
    .int({ error: `${what} must be a whole number` })
    .min(Number.MIN_SAFE_INTEGER, { error: `${what} must be at least ${Number.MIN_SAFE_INTEGER}` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${what} must be at most ${Number.MAX_SAFE_INTEGER}` });

export function randomNumberTool(random: RandomInt) {
  return defineTool({
    name: 'generate_random_number',
    title: 'Generate a random number',
    description:
      'A random whole number between min_value and max_value, both included, from a cryptographically secure generator.',
    input: {
      min_value: bound('min_value').describe('the smallest value allowed'),
      max_value: bound('max_value').describe('the largest value allowed (at least min_value)'),
    },
    output: z.object({ value: z.number().int() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    handler: ({ min_value, max_value }) => {
      if (min_value > max_value) {
        throw new AppError(
          'INVALID_INPUT',
          `min_value (${min_value}) is greater than max_value (${max_value}); swap them`,
          {
            details: { fields: ['min_value', 'max_value'] },
          },
        );
      }
      return { value: random(min_value, max_value) };
    },
  });
}
