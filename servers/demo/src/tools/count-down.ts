import { setTimeout as delay } from 'node:timers/promises';
import { defineTool } from '@mcp-stack/core';
import { z } from 'zod';

export function countDownTool() {
  return defineTool({
    name: 'count_down',
    title: 'Count down',
    description:
      'Counts down from steps to 1, interval_ms apart, reporting progress and sending a log message at each step. Stops when the request is cancelled. Runs as a task for a client that declares the tasks extension (progress in its statusMessage, stopped by tasks/cancel). Shows long-running tools.',
    input: {
      steps: z.number().int().min(1).max(100).describe('how many steps (1-100)'),
      interval_ms: z
        .number()
        .int()
        .min(0)
        .max(5_000)
        .default(1_000)
        .describe('milliseconds between steps (0-5000)'),
    },
    output: z.object({ steps: z.number().int(), completed: z.boolean() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    // long-running: a client that can poll gets a task (core's README, "Tasks"); others wait as before
    task: 'optional',
    handler: async ({ steps, interval_ms }, ctx) => {
      for (let step = 1; step <= steps; step++) {
        if (ctx.signal.aborted) return { steps: step - 1, completed: false };
        await ctx.progress(step, steps, `${steps - step + 1} to go`);
        await ctx.log('info', { step, remaining: steps - step });
        if (interval_ms > 0 && step < steps) {
          const cancelled = await delay(interval_ms, false, { signal: ctx.signal }).catch(() => true);
          if (cancelled) return { steps: step, completed: false };
        }
      }
      return { steps, completed: true };
    },
  });
}
