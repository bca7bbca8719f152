// A small server with one of everything, driven by core's runtime tests over every transport.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import {
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineServer,
  defineTool,
  type ServerDefinition,
} from '../server.ts';

const ITEMS = ['apple', 'apricot', 'banana', 'blueberry', 'cherry'];

export function createFixtureServer(options: { tickMs?: number } = {}): ServerDefinition {
  let ticks = 0;
  return defineServer({
    name: 'fixture',
    version: '1.2.3',
    title: 'Fixture server',
    instructions: 'A fixture for tests: add numbers, count steps, read items.',
    tools: [
      defineTool({
        name: 'add',
        title: 'Add two numbers',
        description: 'Adds a and b.',
        input: { a: z.number().describe('first addend'), b: z.number().describe('second addend') },
        output: z.object({ sum: z.number() }),
        annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
        handler: ({ a, b }) => ({ sum: a + b }),
      }),
      defineTool({
        name: 'count_steps',
        description: 'Counts to steps, reporting progress and logging each step.',
        input: {
          steps: z.number().int().min(1).max(20),
          interval_ms: z.number().int().min(0).max(1000).default(0),
        },
        output: z.object({ steps: z.number(), completed: z.boolean() }),
        handler: async ({ steps, interval_ms }, ctx) => {
          for (let step = 1; step <= steps; step++) {
            if (ctx.signal.aborted) return { steps: step - 1, completed: false };
            await ctx.progress(step, steps, `step ${step} of ${steps}`);
            await ctx.log('info', { step });
            if (interval_ms)
              await delay(interval_ms, undefined, { signal: ctx.signal }).catch(() => undefined);
          }
          return { steps, completed: !ctx.signal.aborted };
        },
      }),
      defineTool({
        name: 'explode',
        description: 'Fails with an internal error (its message must never reach the caller).',
        input: {},
        handler: () => {
          throw new Error('secret internal detail: db password is hunter2');
        },
      }),
      defineTool({
        name: 'find_thing',
        description: 'Fails with a known error.',
        input: { id: z.string() },
        handler: ({ id }) => {
          throw new AppError('NOT_FOUND', `no thing with id ${id}`);
        },
      }),
      defineTool({
        name: 'write_thing',
        description: 'Needs the things:write scope.',
        input: { name: z.string().min(1) },
        scopes: ['things:write'],
        annotations: { destructiveHint: false },
        handler: ({ name }) => `wrote ${name}`,
      }),
    ],
    resources: [
      defineResource({
        uri: 'fixture://info',
        name: 'info',
        description: 'Facts about the fixture.',
        mimeType: 'application/json',
        read: () => ({ json: { name: 'fixture', ticks } }),
        watch: (changed) => {
          const timer = setInterval(() => {
            ticks++;
            changed();
          }, options.tickMs ?? 50);
          return () => clearInterval(timer);
        },
      }),
      defineResourceTemplate({
        uriTemplate: 'fixture://items/{name}',
        name: 'item',
        description: 'One item by name.',
        mimeType: 'text/plain',
        list: () => ({ resources: ITEMS.map((name) => ({ uri: `fixture://items/${name}`, name })) }),
        complete: { name: ITEMS },
        read: ({ name }) => {
          if (!ITEMS.includes(name ?? '')) throw new AppError('NOT_FOUND', `no item ${name}`);
          return `item ${name}`;
        },
      }),
    ],
    prompts: [
      definePrompt({
        name: 'greet',
        description: 'Asks for a greeting.',
        args: { name: z.string().describe('who to greet'), tone: z.string().optional() },
        complete: { name: ['Alice', 'Alan', 'Bob'] },
        get: ({ name, tone }) => `Write a ${tone ?? 'warm'} greeting for ${name}.`,
      }),
    ],
    readiness: { always: () => undefined },
  });
}
