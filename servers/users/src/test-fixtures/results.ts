// Reading tool results in tests.
import { type Client, textOf } from '@mcp-stack/core/testing';

export { data, type ToolResult as CallResult, textOf } from '@mcp-stack/core/testing';

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
