// Reading tool results in tests.
import type { Client } from '@mcp-stack/core/testing';

export type CallResult = Awaited<ReturnType<Client['callTool']>>;

/** The text of a result's first content block. */
export function textOf(result: CallResult): string {
  return (result.content as Array<{ type: string; text?: string }>)[0]?.text ?? '';
}

/** Calls a tool and returns its structuredContent, failing the test on a tool error. */
export async function data<T = unknown>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result.structuredContent as T;
}

/** Calls a tool that must fail and returns its error text. */
export async function errorText(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) throw new Error(`${name} succeeded: ${textOf(result)}`);
  return textOf(result);
}
