import type { CompleteResult } from '@modelcontextprotocol/sdk/types.js';
import type { Completer, HandlerContext } from '../server.ts';

const MAX_VALUES = 100;

/** completion/complete for one argument: fixed lists are filtered by prefix; functions filter themselves. */
export async function completionResult(
  completers: Record<string, Completer | undefined> | undefined,
  params: Record<string, unknown>,
  ctx: HandlerContext,
): Promise<CompleteResult> {
  const argument = params.argument as { name: string; value: string };
  const context = params.context as { arguments?: Record<string, string> } | undefined;
  const completer = completers?.[argument.name];
  let values: ReadonlyArray<string> = [];
  if (typeof completer === 'function') {
    values = await completer(argument.value, { arguments: context?.arguments ?? {}, ctx });
  } else if (completer) {
    const prefix = argument.value.toLowerCase();
    values = completer.filter((value) => value.toLowerCase().startsWith(prefix));
  }
  return {
    completion: {
      values: values.slice(0, MAX_VALUES),
      total: values.length,
      hasMore: values.length > MAX_VALUES,
    },
  };
}
