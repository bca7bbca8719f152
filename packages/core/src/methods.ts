import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeIssues } from './errors.ts';
import { ASKING_METHODS } from './input.ts';
import { ListenRequestSchema } from './listen-filter.ts';
import { methodNotFound, protocolError } from './protocol-error.ts';

/** Which protocol era a request is served in (see era.ts). */
export type Era = 'legacy' | 'modern';

/**
 * The requests the tables answer in both eras (initialize and subscriptions are the transports'),
 * with the SDK's schema for each: the SDK server registers a handler per schema, and every
 * transport checks each request's params with the schema of its method.
 */
export const TABLE_METHODS = [
  PingRequestSchema,
  SetLevelRequestSchema,
  ListToolsRequestSchema,
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  ListPromptsRequestSchema,
  GetPromptRequestSchema,
  CompleteRequestSchema,
] as const;

/** MCP 2026-07-28's `server/discover`: no params beyond `_meta` (checked in era.ts). */
const DiscoverRequestSchema = z.object({
  method: z.literal('server/discover'),
  params: z.looseObject({ _meta: z.looseObject({}).optional() }).optional(),
});

/** The Tasks extension's methods (tasks/engine.ts): a task id, and for tasks/update the answers. */
const taskParams = (extra: z.ZodRawShape = {}) =>
  z.looseObject({ taskId: z.string().min(1), ...extra, _meta: z.looseObject({}).optional() });
const TASK_METHOD_SCHEMAS = [
  z.object({ method: z.literal('tasks/get'), params: taskParams() }),
  z.object({
    method: z.literal('tasks/update'),
    params: taskParams({ inputResponses: z.record(z.string(), z.unknown()) }),
  }),
  z.object({ method: z.literal('tasks/cancel'), params: taskParams() }),
];

/**
 * The one method table: every request method core answers, in which eras, with its params
 * schema. The modern era removed initialize, ping, logging/setLevel and the subscription pair
 * (2026-07-28 changelog); only the modern era has server/discover.
 */
const METHODS = new Map<string, { schema: z.ZodType; eras: ReadonlySet<Era> }>();
const BOTH: ReadonlySet<Era> = new Set(['legacy', 'modern']);
const LEGACY: ReadonlySet<Era> = new Set(['legacy']);
const MODERN: ReadonlySet<Era> = new Set(['modern']);
const REMOVED_IN_MODERN = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);
for (const schema of [
  InitializeRequestSchema,
  ...TABLE_METHODS,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
]) {
  const method = schema.shape.method.value;
  METHODS.set(method, { schema, eras: REMOVED_IN_MODERN.has(method) ? LEGACY : BOTH });
}
METHODS.set('server/discover', { schema: DiscoverRequestSchema, eras: MODERN });
// the modern era's change notifications (answered by the transports, see listens.ts)
METHODS.set('subscriptions/listen', { schema: ListenRequestSchema, eras: MODERN });
// the Tasks extension exists only in the modern era (a server answers them only with task tools)
for (const schema of TASK_METHOD_SCHEMAS) METHODS.set(schema.shape.method.value, { schema, eras: MODERN });

/** Whether `method` exists in `era` (whether a server answers it depends on what it has). */
export function isMethodOf(method: string, era: Era): boolean {
  return METHODS.get(method)?.eras.has(era) === true;
}

/**
 * A request's params checked with the SDK's schema for its method, as they go to `handle`. A
 * method not in `era` is `-32601 method not found`; a fault is `-32602 invalid params for
 * tools/call: arguments: …`, naming each member at fault, the same on every transport. The
 * caller's own `arguments` object (tools/call, prompts/get) is kept when it has an own
 * `__proto__` key: the SDK's record() drops that key, and core's strict argument check must see
 * it to refuse it as an unknown field, like any other undeclared key.
 */
export function checkParams(
  method: string,
  params: unknown,
  era: Era = 'legacy',
): Record<string, unknown> | undefined {
  const entry = METHODS.get(method);
  if (!entry?.eras.has(era)) throw methodNotFound(method);
  const checked = entry.schema.safeParse({ method, params });
  if (!checked.success) {
    throw protocolError(
      'InvalidParams',
      `invalid params for ${method}: ${describeIssues(checked.error.issues).text}`,
    );
  }
  let data = (checked.data as { params?: Record<string, unknown> }).params;
  if (era === 'modern' && ASKING_METHODS.has(method)) data = withRetryFields(method, data, params);
  const raw = (params as { arguments?: unknown } | undefined)?.arguments;
  if (data && typeof raw === 'object' && raw !== null && Object.hasOwn(raw, '__proto__'))
    return { ...data, arguments: raw };
  return data;
}

/**
 * The two fields a retry after `input_required` adds (basic/patterns/mrtr.mdx), which the SDK's
 * schemas do not know and would drop: `inputResponses` an object of answers (each checked
 * against its question later, input.ts), `requestState` a string.
 */
function withRetryFields(
  method: string,
  data: Record<string, unknown> | undefined,
  params: unknown,
): Record<string, unknown> | undefined {
  const { inputResponses, requestState } = (params ?? {}) as Record<string, unknown>;
  if (inputResponses === undefined && requestState === undefined) return data;
  if (
    inputResponses !== undefined &&
    (inputResponses === null || typeof inputResponses !== 'object' || Array.isArray(inputResponses))
  ) {
    throw protocolError(
      'InvalidParams',
      `invalid params for ${method}: inputResponses must be an object of answers keyed like the inputRequests`,
    );
  }
  if (requestState !== undefined && typeof requestState !== 'string')
    throw protocolError('InvalidParams', `invalid params for ${method}: requestState must be a string`);
  return {
    ...data,
    ...(inputResponses !== undefined && { inputResponses }),
    ...(requestState !== undefined && { requestState }),
  };
}
