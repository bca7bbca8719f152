// The conformance fixture's tools for the Tasks extension scenarios (tasks-*), named as the
// suite's "Required server fixtures" name them: one sync tool, and task tools that sleep, fail
// as a tool, fail as a protocol, ask one question, ask two at once, or ask before their task.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { protocolError } from '../protocol-error.ts';
import { defineTool } from '../server.ts';

const text = (value: string) => [{ type: 'text' as const, text: value }];
const form = (message: string, field: string, type: 'string' | 'boolean') => ({
  message,
  requestedSchema: { type: 'object' as const, properties: { [field]: { type } }, required: [field] },
});

export function taskTools() {
  return [
    defineTool({
      name: 'greet',
      description: 'Greets someone (never a task)',
      input: { name: z.string().describe('who to greet') },
      handler: ({ name }) => text(`Hello, ${name}!`),
    }),
    defineTool({
      name: 'slow_compute',
      description: 'Sleeps for `seconds`, then answers (a task for a client that declared tasks)',
      input: {
        seconds: z.number().min(0).max(600).describe('how long to work'),
        label: z.string().optional().describe('echoed in the result'),
      },
      task: 'optional',
      handler: async ({ seconds, label }, ctx) => {
        if (seconds > 0) await delay(seconds * 1_000, undefined, { signal: ctx.signal });
        return text(`computed ${label ?? 'something'} in ${seconds} s`);
      },
    }),
    defineTool({
      name: 'failing_job',
      description: 'Runs only as a task, and ends in a tool error',
      input: {},
      task: 'required',
      handler: async (_args, ctx) => {
        await delay(100, undefined, { signal: ctx.signal });
        throw new AppError('UPSTREAM_ERROR', 'the job failed, as it always does');
      },
    }),
    defineTool({
      name: 'protocol_error_job',
      description: 'A task that fails with a protocol error',
      input: {},
      task: 'optional',
      handler: async () => {
        throw protocolError('InternalError', 'the job crashed');
      },
    }),
    defineTool({
      name: 'confirm_delete',
      description: 'A task that asks for a confirmation before it "deletes" a file',
      input: { filename: z.string().describe('the file') },
      task: 'optional',
      handler: async ({ filename }, ctx) => {
        const answer = await ctx.elicit('confirm', form(`Delete ${filename}?`, 'confirm', 'boolean'));
        const yes = answer.action === 'accept' && answer.content?.confirm === true;
        return text(yes ? `deleted ${filename}` : `kept ${filename}`);
      },
    }),
    defineTool({
      name: 'multi_input',
      description: 'A task that asks two questions at once',
      input: {},
      task: 'optional',
      handler: async (_args, ctx) => {
        const [name, confirm] = await Promise.all([
          ctx.elicit('name', form('Your name?', 'name', 'string')),
          ctx.elicit('confirm', form('Go ahead?', 'confirm', 'boolean')),
        ]);
        return text(`name=${String(name.content?.name)} confirm=${String(confirm.content?.confirm)}`);
      },
    }),
    defineTool({
      name: 'test_tool_with_task',
      description: 'Asks for a name in the request (input_required), then runs as a task',
      input: {},
      task: 'required',
      taskStart: 'in-handler',
      handler: async (_args, ctx) => {
        const { user_name } = await ctx.ask({
          user_name: { method: 'elicitation/create', params: form('What is your name?', 'name', 'string') },
        });
        await ctx.startTask();
        await delay(50, undefined, { signal: ctx.signal });
        const name = (user_name as { content?: { name?: unknown } }).content?.name;
        return text(`Hello, ${String(name)}, from a task`);
      },
    }),
  ];
}
