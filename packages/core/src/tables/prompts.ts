import type { GetPromptResult, PromptMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { MethodHandler } from '../dispatch.ts';
import { invalidInput } from '../errors.ts';
import { isInputRequired } from '../input.ts';
import { clip, protocolError, toProtocolError } from '../protocol-error.ts';
import type { AnyPrompt, HandlerContext } from '../server.ts';
import { completionResult } from './completion.ts';

interface BuiltPrompt {
  prompt: AnyPrompt;
  args: z.ZodObject;
}

/** prompts/list built once; prompts/get checks the arguments; completion of prompt arguments. */
export function buildPrompts(prompts: ReadonlyArray<AnyPrompt>) {
  const byName = new Map<string, BuiltPrompt>();
  const listed = prompts.map((prompt) => {
    const args = z.strictObject(prompt.args ?? {});
    byName.set(prompt.name, { prompt, args });
    const argumentList = Object.entries(args.shape).map(([name, schema]) => {
      const field = schema as z.ZodType;
      return {
        name,
        ...(field.description !== undefined && { description: field.description }),
        required: !field.safeParse(undefined).success,
      };
    });
    return {
      name: prompt.name,
      ...(prompt.title !== undefined && { title: prompt.title }),
      description: prompt.description,
      ...(argumentList.length > 0 && { arguments: argumentList }),
    };
  });
  const list = { prompts: listed };

  const find = (name: unknown): BuiltPrompt => {
    const built = typeof name === 'string' ? byName.get(name) : undefined;
    if (!built) throw protocolError('InvalidParams', `unknown prompt: ${clip(String(name))}`);
    return built;
  };

  const get: MethodHandler = async (params, ctx) => {
    const { prompt, args } = find(params.name);
    const parsed = args.safeParse(params.arguments ?? {});
    if (!parsed.success) {
      throw toProtocolError(invalidInput(parsed.error.issues, `invalid arguments for prompt ${prompt.name}`));
    }
    try {
      const got = await (prompt.get as (args: unknown, ctx: HandlerContext) => unknown)(parsed.data, ctx);
      const messages: PromptMessage[] =
        typeof got === 'string'
          ? [{ role: 'user', content: { type: 'text', text: got } }]
          : (got as PromptMessage[]);
      return { description: prompt.description, messages } satisfies GetPromptResult;
    } catch (error) {
      if (isInputRequired(error)) throw error;
      throw toProtocolError(error, { logger: ctx.logger });
    }
  };

  return {
    count: prompts.length,
    completable: prompts.some((p) => p.complete),
    methods: [
      ['prompts/list', async () => list],
      ['prompts/get', get],
    ] as Array<[string, MethodHandler]>,
    complete: (name: string, params: Record<string, unknown>, ctx: HandlerContext) =>
      completionResult(find(name).prompt.complete, params, ctx),
  };
}
