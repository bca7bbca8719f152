import type {
  BlobResourceContents,
  ContentBlock,
  LoggingLevel,
  PromptMessage,
  TextResourceContents,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ChangeFeed } from './changes.ts';
import type { ElicitForm, ElicitResult, InputRequest, QuestionKind } from './input.ts';
import type { Logger } from './logger.ts';

export type { ContentBlock, LoggingLevel, PromptMessage, ToolAnnotations };

/** Who is calling, when the HTTP transport authenticated them. */
export interface CallerIdentity {
  /** The API key id or the token subject. */
  clientId: string;
  scopes: ReadonlyArray<string>;
  /** Anything else the auth layer knows (token claims). */
  extra?: Record<string, unknown>;
}

/** What every handler gets besides its arguments. */
export interface HandlerContext {
  /** Carries the request id in every line. */
  logger: Logger;
  /** Aborts when the client cancels or disconnects, or the server shuts down. */
  signal: AbortSignal;
  /** The JSON-RPC id of the request. */
  requestId: string | number;
  /** `notifications/progress` to the client, when it asked for progress (else a no-op). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** `notifications/message` to the client, at or above the level it set. */
  log(level: LoggingLevel, data: unknown): Promise<void>;
  /** Present when the HTTP transport authenticated the caller. */
  caller?: CallerIdentity;
  /** Present on stdio and stateful HTTP. */
  sessionId?: string;
  /**
   * Whether the client can be asked this kind of question on this request: it declared the
   * capability, and the transport has a way to ask (see `ask`).
   */
  canAsk(kind: QuestionKind): boolean;
  /**
   * Asks the client questions (elicitation, sampling, roots), all at once; resolves with the
   * answers keyed like the questions. In MCP 2026-07-28 this answers the request `input_required`
   * and the handler runs again from the top when the client retries with the answers, so ask
   * before doing anything that must happen once. Throws -32021 when the client did not declare
   * the capability (check `canAsk` first to carry on without asking), and a tool error where the
   * transport cannot ask (stateless legacy HTTP). Keys name questions across rounds: keep them stable.
   */
  ask(requests: Readonly<Record<string, InputRequest>>): Promise<Record<string, unknown>>;
  /** `ask` for one form-style question (typed fields); the answer's `action` says what the person did. */
  elicit(key: string, form: ElicitForm): Promise<ElicitResult>;
  /**
   * For a tool with `task` and `taskStart: 'in-handler'`: from here on the call runs as a task
   * (the request answers a CreateTaskResult, and `signal`, `progress` and `ask` become the task's),
   * when the client declared the tasks extension; true then, false when the call goes on as a
   * plain one. Questions asked before it are input_required rounds of the request itself.
   */
  startTask(): Promise<boolean>;
}

/** Whether a tool runs as a task (Tasks extension) for a client that declared it; see `ToolDefinition.task`. */
export type TaskSupport = 'optional' | 'required';

/** A zod object, or its shape: a shape becomes a strict object (unknown arguments are refused). */
export type InputSchema = z.ZodObject | z.ZodRawShape;
type ObjectOf<S extends InputSchema> = S extends z.ZodObject ? S : z.ZodObject<Extract<S, z.ZodRawShape>>;
type InputOf<S extends InputSchema> = z.output<ObjectOf<S>>;

/** What a tool without an output schema may return: text, content blocks, or both with data. */
export type ToolContent = string | ContentBlock[] | { content: ContentBlock[] };

export interface ToolDefinition<
  I extends InputSchema = InputSchema,
  O extends z.ZodObject | undefined = undefined,
> {
  /** snake_case verb: `get_user`. */
  name: string;
  title?: string;
  description: string;
  input: I;
  /**
   * The JSON Schema listed for the input instead of the one derived from `input`, for a schema
   * zod cannot express (`$defs`, `$anchor`, `if`/`then`/`else`); `input` still checks the arguments.
   */
  inputJsonSchema?: Record<string, unknown>;
  /**
   * With an output schema the handler returns data: sent as `structuredContent` and as the same
   * JSON in the one text block (the agent contract's result shape; nothing else is added).
   */
  output?: O;
  annotations?: ToolAnnotations;
  /** Scopes a caller needs when auth is on (any one missing: `FORBIDDEN`). */
  scopes?: ReadonlyArray<string>;
  /**
   * Client capabilities the tool cannot work without (`sampling`, `elicitation`, `roots`): a
   * modern-era call whose `_meta` did not declare one is refused with -32021 before the handler runs.
   */
  clientCapabilities?: ReadonlyArray<string>;
  /**
   * Tasks extension (MCP 2026-07-28): a call from a client that declared
   * `io.modelcontextprotocol/tasks` runs in the background and answers a CreateTaskResult at once;
   * the client polls `tasks/get`. Other calls run as usual, except that a `required` tool refuses
   * them with -32021. See core's README, "Tasks".
   */
  task?: TaskSupport;
  /**
   * When the task starts: `before-handler` (default), or `in-handler` when the handler calls
   * `ctx.startTask()`, so it can ask the client first (input_required rounds) and act after.
   */
  taskStart?: 'before-handler' | 'in-handler';
  handler: (
    args: InputOf<I>,
    ctx: HandlerContext,
  ) =>
    | Promise<O extends z.ZodObject ? z.input<O> : ToolContent>
    | (O extends z.ZodObject ? z.input<O> : ToolContent);
}

/** A tool whose types were checked by `defineTool`, stored without them. */
export interface AnyTool {
  name: string;
  title?: string;
  description: string;
  input: InputSchema;
  inputJsonSchema?: Record<string, unknown>;
  output?: z.ZodObject;
  annotations?: ToolAnnotations;
  scopes?: ReadonlyArray<string>;
  clientCapabilities?: ReadonlyArray<string>;
  task?: TaskSupport;
  taskStart?: 'before-handler' | 'in-handler';
  handler: (args: never, ctx: HandlerContext) => unknown;
}

export function defineTool<I extends InputSchema, O extends z.ZodObject | undefined = undefined>(
  tool: ToolDefinition<I, O>,
): AnyTool {
  return tool as unknown as AnyTool;
}

/** What reading a resource gives: text, bytes, JSON, or the contents list itself. */
export type ResourceBody =
  | string
  | Uint8Array
  | { json: unknown }
  | { contents: Array<TextResourceContents | BlobResourceContents> };

export interface ResourceDefinition {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  read: (ctx: HandlerContext) => Promise<ResourceBody> | ResourceBody;
  /**
   * Makes the resource subscribable (listens; legacy stdio and stateful HTTP): called on the first subscription,
   * `changed()` sends `notifications/resources/updated`; the function it returns stops watching.
   * It runs only while someone listens to the resource (see change-hub.ts).
   */
  watch?: (changed: () => void) => () => void;
  /**
   * The server publishes this resource's changes itself (`changes.resourceUpdated(uri)`), so
   * clients may subscribe to it; implied by `watch`.
   */
  subscribable?: boolean;
}

export function defineResource(resource: ResourceDefinition): ResourceDefinition {
  return resource;
}

/** A page of listed resources; `nextCursor` is this template's own. */
export interface ResourcePage {
  resources: Array<{ uri: string; name: string; title?: string; description?: string; mimeType?: string }>;
  nextCursor?: string;
}

/** Completion values for one argument: a fixed list (filtered by prefix here) or a function. */
export type Completer =
  | ReadonlyArray<string>
  | ((
      value: string,
      context: { arguments: Record<string, string>; ctx: HandlerContext },
    ) => Promise<ReadonlyArray<string>> | ReadonlyArray<string>);

export interface ResourceTemplateDefinition {
  /** RFC 6570: `demo://numbers/{n}`. */
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  /** Concrete resources for `resources/list`, a page at a time. */
  list?: (cursor: string | undefined, ctx: HandlerContext) => Promise<ResourcePage> | ResourcePage;
  /** Completion of the template's variables. */
  complete?: Record<string, Completer>;
  read: (
    variables: Record<string, string>,
    uri: string,
    ctx: HandlerContext,
  ) => Promise<ResourceBody> | ResourceBody;
  /**
   * The server publishes changes of the resources this template names
   * (`changes.resourceUpdated('customer-db://orders/42')`), so clients may subscribe to any URI it matches.
   */
  subscribable?: boolean;
}

export function defineResourceTemplate(template: ResourceTemplateDefinition): ResourceTemplateDefinition {
  return template;
}

/** Prompt arguments are strings (MCP); declare them as a zod object of string fields. */
export interface PromptDefinition<A extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title?: string;
  description: string;
  args?: A;
  complete?: Partial<Record<keyof A & string, Completer>>;
  get: (
    args: z.output<z.ZodObject<A>>,
    ctx: HandlerContext,
  ) => Promise<string | PromptMessage[]> | string | PromptMessage[];
}

export interface AnyPrompt {
  name: string;
  title?: string;
  description: string;
  args?: z.ZodRawShape;
  complete?: Record<string, Completer | undefined>;
  get: (args: never, ctx: HandlerContext) => unknown;
}

export function definePrompt<A extends z.ZodRawShape>(prompt: PromptDefinition<A>): AnyPrompt {
  return prompt as unknown as AnyPrompt;
}

/** A readiness check for `/readyz`: resolves when ready, throws (with a reason) when not. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void> | void;

export interface ServerDefinition {
  name: string;
  version: string;
  title?: string;
  /** Told to the client at initialize: how to use this server's tools well. */
  instructions?: string;
  tools?: ReadonlyArray<AnyTool>;
  resources?: ReadonlyArray<ResourceDefinition | ResourceTemplateDefinition>;
  prompts?: ReadonlyArray<AnyPrompt>;
  /** Named checks `/readyz` runs: database open, upstream reachable. */
  readiness?: Record<string, ReadinessCheck>;
  /** Releases what the server holds (database, timers) when the process stops. */
  close?: () => Promise<void> | void;
  /**
   * Where the server publishes its changes (changes.ts); listens and subscriptions hear them.
   * Default: a feed of the process's own, which static resources' `watch` functions feed.
   */
  changes?: ChangeFeed;
  /** The lists whose changes the server publishes (`changes.toolsListChanged()`, …): advertised as `listChanged`. */
  listChanged?: ReadonlyArray<'tools' | 'prompts' | 'resources'>;
}

const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * A server is data: name, version, instructions, tools, resources, prompts. This checks it once
 * (unique snake_case names, valid schemas) so mistakes fail at start-up, not at the first call.
 */
export function defineServer(definition: ServerDefinition): ServerDefinition {
  const problems: string[] = [];
  const seen = (kind: string, names: ReadonlyArray<string>) => {
    const dup = names.filter((name, i) => names.indexOf(name) !== i);
    if (dup.length) problems.push(`duplicate ${kind}: ${[...new Set(dup)].join(', ')}`);
  };
  const tools = definition.tools ?? [];
  for (const tool of tools) {
    if (!TOOL_NAME.test(tool.name)) problems.push(`tool name "${tool.name}" is not snake_case (a-z, 0-9, _)`);
    if (!tool.description) problems.push(`tool ${tool.name} has no description`);
  }
  seen(
    'tool',
    tools.map((t) => t.name),
  );
  seen(
    'prompt',
    (definition.prompts ?? []).map((p) => p.name),
  );
  seen(
    'resource',
    (definition.resources ?? []).map((r) => ('uri' in r ? r.uri : r.uriTemplate)),
  );
  if (problems.length)
    throw new Error(`invalid server definition ${definition.name}: ${problems.join('; ')}`);
  return definition;
}

/** The strict zod object a tool's or prompt's input is checked with. */
export function inputObject(input: InputSchema | undefined): z.ZodObject {
  if (input === undefined) return z.strictObject({});
  return input instanceof z.ZodObject ? input : z.strictObject(input);
}

export function isTemplate(
  resource: ResourceDefinition | ResourceTemplateDefinition,
): resource is ResourceTemplateDefinition {
  return 'uriTemplate' in resource;
}
