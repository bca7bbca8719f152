import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { MethodHandler, TablesObserver } from '../dispatch.ts';
import type { ModernMeta } from '../era.ts';
import { AppError, ERROR_META_KEY, type ErrorCode, invalidInput, toToolErrorResult } from '../errors.ts';
import { passesThrough } from '../input.ts';
import { toJsonSchema } from '../json-schema.ts';
import { clip, protocolError } from '../protocol-error.ts';
import { type AnyTool, type HandlerContext, inputObject, type ToolContent } from '../server.ts';
import type { TaskEngine } from '../tasks/engine.ts';

interface BuiltTool {
  tool: AnyTool;
  input: z.ZodObject;
  output: z.ZodObject | undefined;
}

/** tools/list built once; tools/call: scopes, input check, handler, output check, errors as results. */
export function buildTools(tools: ReadonlyArray<AnyTool>, observer?: TablesObserver, tasks?: TaskEngine) {
  const byName = new Map<string, BuiltTool>();
  // listed by name, whatever order the definition built them in: the same list on every
  // process and deploy, so a client's cache of it (2026-07-28) stays valid
  const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const listed = sorted.map((tool) => {
    const input = inputObject(tool.input);
    byName.set(tool.name, { tool, input, output: tool.output });
    return {
      name: tool.name,
      ...(tool.title !== undefined && { title: tool.title }),
      description: tool.description,
      inputSchema: tool.inputJsonSchema ?? toJsonSchema(input, 'input'),
      ...(tool.output && { outputSchema: toJsonSchema(tool.output, 'output') }),
      ...(tool.annotations && {
        annotations: { ...(tool.title && { title: tool.title }), ...tool.annotations },
      }),
    };
  });
  const list = { tools: listed };
  const headers = new Map(
    listed.map((tool) => [tool.name, checkedHeaderParams(tool.name, tool.inputSchema)]),
  );

  const call: MethodHandler = async (params, ctx, env) => {
    const name = params.name;
    const built = typeof name === 'string' ? byName.get(name) : undefined;
    if (!built) throw protocolError('InvalidParams', `unknown tool: ${clip(String(name))}`);
    if (env.modern && built.tool.clientCapabilities) requireCapabilities(built.tool, env.modern);
    const run = async (ctx: HandlerContext) => {
      if (!observer) return callTool(built, params.arguments, ctx);
      const started = performance.now();
      const result = await callTool(built, params.arguments, ctx);
      const seconds = (performance.now() - started) / 1000;
      if (!result.isError) observer.toolCall(built.tool.name, 'ok', seconds);
      else observer.toolCall(built.tool.name, 'error', seconds, errorCodeOf(result));
      return result;
    };
    // a task tool may answer a CreateTaskResult and run on in the background (tasks/engine.ts)
    if (built.tool.task && tasks) return tasks.callTool(built.tool, ctx, env, run);
    return run(ctx);
  };

  return {
    count: tools.length,
    /** The `x-mcp-header` parameters of a tool's listed input schema (HTTP mirrors them). */
    headers: (name: string): ReadonlyArray<HeaderParam> => headers.get(name) ?? [],
    methods: [
      ['tools/list', async () => list],
      ['tools/call', call],
    ] as Array<[string, MethodHandler]>,
  };
}

async function callTool(built: BuiltTool, args: unknown, ctx: HandlerContext): Promise<CallToolResult> {
  const { tool, input, output } = built;
  const logger = { error: (obj: Record<string, unknown>, msg: string) => ctx.logger.error(obj, msg) };
  const missing = missingScopes(tool, ctx);
  if (missing.length) {
    const error = new AppError('FORBIDDEN', `${tool.name} needs the scope ${missing.join(' and ')}`);
    return toToolErrorResult(error);
  }
  const parsed = input.safeParse(args ?? {});
  if (!parsed.success)
    return toToolErrorResult(invalidInput(parsed.error.issues, `invalid arguments for ${tool.name}`));
  try {
    const returned = await (tool.handler as (args: unknown, ctx: HandlerContext) => unknown)(
      parsed.data,
      ctx,
    );
    if (!output) return contentResult(returned as ToolContent);
    const checked = output.safeParse(returned);
    if (!checked.success) {
      // the tool broke its own contract: a bug to log, not the caller's fault
      throw new Error(
        `${tool.name} returned data that does not match its output schema: ${checked.error.message}`,
      );
    }
    // the contract's one result shape: the data as structuredContent and the same JSON as the only text
    const content: ContentBlock[] = [{ type: 'text', text: JSON.stringify(checked.data) }];
    return { content, structuredContent: checked.data as Record<string, unknown> };
  } catch (error) {
    // a question to the client, or a protocol fault (-32021), is the request's answer, not a tool error
    if (passesThrough(error)) throw error;
    return toToolErrorResult(error, { logger });
  }
}

/** The code a tool error result carries in `_meta` (INTERNAL when a handler built its own). */
function errorCodeOf(result: CallToolResult): ErrorCode {
  const data = result._meta?.[ERROR_META_KEY] as { code?: ErrorCode } | undefined;
  return data?.code ?? 'INTERNAL';
}

function missingScopes(tool: AnyTool, ctx: HandlerContext): string[] {
  // no caller: auth is off (loopback, or stdio), and every tool is allowed
  if (!tool.scopes?.length || !ctx.caller) return [];
  const held = new Set(ctx.caller.scopes);
  if (held.has('*')) return [];
  return tool.scopes.filter((scope) => !held.has(scope));
}

function contentResult(returned: ToolContent): CallToolResult {
  if (typeof returned === 'string') return { content: [{ type: 'text', text: returned }] };
  if (Array.isArray(returned)) return { content: returned as ContentBlock[] };
  if (returned && typeof returned === 'object' && Array.isArray(returned.content))
    return returned as CallToolResult;
  throw new Error('a tool without an output schema must return text or content blocks');
}

/** -32021 naming each capability the tool needs and the modern request did not declare. */
function requireCapabilities(tool: AnyTool, meta: ModernMeta): void {
  const missing = (tool.clientCapabilities ?? []).filter((name) => !(name in meta.clientCapabilities));
  if (missing.length === 0) return;
  throw protocolError(
    'MissingRequiredClientCapability',
    `${tool.name} needs the client capability ${missing.join(' and ')}: declare it in _meta["io.modelcontextprotocol/clientCapabilities"]`,
    { requiredCapabilities: Object.fromEntries(missing.map((name) => [name, {}])) },
  );
}

/** A tool parameter mirrored into an `Mcp-Param-{header}` HTTP header (streamable-http.mdx). */
export interface HeaderParam {
  header: string;
  /** The chain of `properties` keys from the input's root to the parameter. */
  path: ReadonlyArray<string>;
}

/** RFC 9110 token characters: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A tool's `x-mcp-header` parameters, checked as the spec constrains them (a token, unique
 * whatever its case, on a string, integer or boolean): a client drops a tool that breaks one, so
 * a server that declared it fails at start-up instead, naming the tool.
 */
function checkedHeaderParams(tool: string, schema: Record<string, unknown>): HeaderParam[] {
  const params = headerParams(schema);
  const seen = new Set<string>();
  for (const { header, path, type } of params) {
    const where = `tool ${tool}: x-mcp-header ${JSON.stringify(header)} on ${path.join('.')}`;
    if (!TOKEN.test(header)) throw new Error(`${where} is not a valid header name`);
    if (seen.has(header.toLowerCase())) throw new Error(`${where} is used twice (header names ignore case)`);
    seen.add(header.toLowerCase());
    if (type !== 'string' && type !== 'integer' && type !== 'boolean')
      throw new Error(`${where} must be on a string, integer or boolean parameter, not ${String(type)}`);
  }
  return params.map(({ header, path }) => ({ header, path }));
}

/** Every `x-mcp-header` reachable from the root through `properties` alone, as the spec allows. */
function headerParams(
  schema: Record<string, unknown>,
  path: string[] = [],
): Array<HeaderParam & { type: unknown }> {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties || typeof properties !== 'object') return [];
  return Object.entries(properties).flatMap(([key, property]) => {
    if (!property || typeof property !== 'object') return [];
    const header = property['x-mcp-header'];
    const here = typeof header === 'string' ? [{ header, path: [...path, key], type: property.type }] : [];
    return [...here, ...headerParams(property, [...path, key])];
  });
}
