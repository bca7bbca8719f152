import { setTimeout as delay } from 'node:timers/promises';
import {
  LATEST_PROTOCOL_VERSION,
  type LoggingLevel,
  type ServerCapabilities,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { type ChangeHub, createChangeHub } from './change-hub.ts';
import { createMemoryChangeFeed } from './changes.ts';
import { LOG_LEVELS as LEVELS, META, type ModernMeta, SUPPORTED_VERSIONS } from './era.ts';
import {
  ASKING_METHODS,
  type Asker,
  bindingOf,
  cannotAsk,
  elicitWith,
  isInputRequired,
  lazyAsker,
  modernAsker,
} from './input.ts';
import { type ListenOffer, listenCapabilities } from './listen-filter.ts';
import type { Logger } from './logger.ts';
import { isMethodOf } from './methods.ts';
import { modernResult } from './modern-result.ts';
import { methodNotFound, ProtocolError, protocolError, RPC_ERROR } from './protocol-error.ts';
import { createRequestStateCodec, type RequestStateCodec } from './request-state.ts';
import type { CallerIdentity, HandlerContext, ServerDefinition } from './server.ts';
import { buildPrompts } from './tables/prompts.ts';
import { buildResources } from './tables/resources.ts';
import { buildTools, type HeaderParam } from './tables/tools.ts';
import { createTaskEngine, type TaskEvent, type TaskOptions } from './tasks/engine.ts';
import { isCreateTaskResult, TASKS_EXTENSION } from './tasks/wire.ts';
import { type RequestTrace, traceMcpRequest } from './tracing/mcp-span.ts';
import { tracingActive } from './tracing/spans.ts';

export type Transport = 'stdio' | 'stateless' | 'stateful';

/** What lives as long as a connection: one request in stateless HTTP, the session otherwise. */
export interface SessionState {
  logLevel?: LoggingLevel;
}

export interface Notification {
  method: string;
  params?: Record<string, unknown>;
}

/** What a transport knows about one request. */
export interface RequestEnv {
  requestId: string | number;
  signal: AbortSignal;
  logger: Logger;
  progressToken?: string | number | undefined;
  /** Sends a notification tied to this request; absent when the transport cannot deliver one. */
  notify?: ((notification: Notification) => Promise<void>) | undefined;
  caller?: CallerIdentity | undefined;
  sessionId?: string | undefined;
  session: SessionState;
  /** Present for a modern-era request (2026-07-28): what its `_meta` said, checked (era.ts). */
  modern?: ModernMeta | undefined;
  /**
   * How questions to the client are put (input.ts). Absent: in the modern era `handle` asks with
   * `input_required`; elsewhere nothing can be asked.
   */
  asker?: Asker | undefined;
  /** Where the request came from, for its span (tracing/mcp-span.ts); set only while tracing is on. */
  trace?: RequestTrace | undefined;
}

const CANNOT_ASK = cannotAsk();

/** How long a request that sent notifications waits before its result (see `handle`). */
const SETTLE_MS = 3;

/** Log messages to the client below this level are dropped until it sets one. */
const DEFAULT_CLIENT_LOG_LEVEL: LoggingLevel = 'info';

export type MethodHandler = (
  params: Record<string, unknown>,
  ctx: HandlerContext,
  env: RequestEnv,
) => Promise<unknown>;

/**
 * A definition turned into what serves it, once per process: the lists already built, lookups by
 * name and URI, and one handler per MCP method. Every transport (stdio, stateful sessions, the
 * stateless HTTP fast path) answers through `handle`, so the same call gives the same result.
 */
export interface ServerTables {
  readonly definition: ServerDefinition;
  capabilities(transport: Transport): ServerCapabilities;
  initializeResult(requestedVersion: unknown, transport: Transport): Record<string, unknown>;
  /** The parameters of tool `name` that HTTP mirrors into `Mcp-Param-*` headers (`x-mcp-header`). */
  toolHeaders(name: string): ReadonlyArray<HeaderParam>;
  /** Whether `method` is answered here (initialize is the transport's, subscriptions the session's). */
  has(method: string): boolean;
  /** `server/discover`'s result (modern era), before `modernResult` adds what every result has. */
  discoverResult(): Record<string, unknown>;
  /**
   * Answers one request of either era; throws a `ProtocolError` for a JSON-RPC error. A modern
   * request (`env.modern`) also gets `server/discover`, loses the methods that era removed, and
   * its result carries `resultType`, the server's identity and cache hints.
   */
  handle(method: string, params: Record<string, unknown> | undefined, env: RequestEnv): Promise<unknown>;
  /** The watch function of a subscribable resource, if `uri` names one. */
  watcher(uri: string): ((changed: () => void) => () => void) | undefined;
  /** The process's listeners of the definition's change feed (listens, legacy subscriptions). */
  readonly changes: ChangeHub;
  /** What a listen can be given: the lists announced, the resources subscribable. */
  readonly listenOffer: ListenOffer;
  /** Cancels the tasks still running (shutdown); tasks/get then answers them cancelled with `reason`. */
  stopTasks(reason: string): Promise<void>;
}

/** Told about every request and tool call (metrics); absent: nothing measured. */
export interface TablesObserver {
  request(method: string, seconds: number, ok: boolean): void;
  toolCall(tool: string, outcome: 'ok' | 'error', seconds: number, code?: string): void;
  /** A task created, or ended (tasks/engine.ts). */
  task?(event: TaskEvent): void;
}

export function buildTables(
  definition: ServerDefinition,
  options: {
    observer?: TablesObserver;
    /** Seals the `requestState` of input-required results; replicas must share its keys. */
    requestState?: RequestStateCodec;
    /** Task bounds and store, for a definition with task tools (tasks/engine.ts). */
    tasks?: TaskOptions;
  } = {},
): ServerTables {
  const { observer } = options;
  const requestState = options.requestState ?? createRequestStateCodec();
  const tasks = definition.tools?.some((tool) => tool.task)
    ? createTaskEngine({ ...options.tasks, contextOf: (env) => handlerContext(env), observer })
    : undefined;
  const tools = buildTools(definition.tools ?? [], observer, tasks);
  const resources = buildResources(definition.resources ?? []);
  const prompts = buildPrompts(definition.prompts ?? []);
  // only lists the server has (a tools list that is never there never changes)
  const lists = new Set(
    (definition.listChanged ?? []).filter((kind) => ({ tools, prompts, resources })[kind].count > 0),
  );
  const changes = createChangeHub(definition.changes ?? createMemoryChangeFeed(), (uri) =>
    resources.watcher(uri),
  );
  const listenOffer: ListenOffer = { lists, subscribable: (uri) => resources.isSubscribable(uri) };

  const methods = new Map<string, MethodHandler>([
    ['ping', async () => ({})],
    ['logging/setLevel', async (params, _ctx, env) => setLevel(params, env)],
    // only what the server has, so the advertised capabilities and the methods agree
    ...(tools.count > 0 ? tools.methods : []),
    ...(resources.count > 0 ? resources.methods : []),
    ...(prompts.count > 0 ? prompts.methods : []),
    ...(tasks ? tasks.methods : []),
  ]);
  if (prompts.completable || resources.completable) {
    methods.set('completion/complete', async (params, ctx) => {
      const ref = params.ref as { type?: string; name?: string; uri?: string };
      if (ref.type === 'ref/prompt') return prompts.complete(ref.name ?? '', params, ctx);
      if (ref.type === 'ref/resource') return resources.complete(ref.uri ?? '', params, ctx);
      throw protocolError('InvalidParams', `unknown completion reference type: ${String(ref.type)}`);
    });
  }

  const capabilityCache = new Map<Transport, ServerCapabilities>();
  const capabilities = (transport: Transport): ServerCapabilities => {
    let caps = capabilityCache.get(transport);
    if (!caps) {
      // legacy stateless HTTP has no channel for notifications; the modern era's is subscriptions/listen
      const notifies = transport !== 'stateless';
      caps = {
        logging: {},
        ...(tools.count > 0 && { tools: { listChanged: notifies && lists.has('tools') } }),
        ...(resources.count > 0 && {
          resources: {
            subscribe: notifies && resources.subscribable,
            listChanged: notifies && lists.has('resources'),
          },
        }),
        ...(prompts.count > 0 && { prompts: { listChanged: notifies && lists.has('prompts') } }),
        ...((prompts.completable || resources.completable) && { completions: {} }),
      };
      capabilityCache.set(transport, caps);
    }
    return caps;
  };

  const serverInfo = {
    name: definition.name,
    version: definition.version,
    ...(definition.title !== undefined && { title: definition.title }),
  };
  // what subscriptions/listen delivers (listens.ts), and the Tasks extension when a tool runs as one
  const discoverCapabilities = {
    ...listenCapabilities(capabilities('stateless'), { lists, anySubscribable: resources.subscribable }),
    ...(tasks && { extensions: { [TASKS_EXTENSION]: {} } }),
  };
  const discoverResult = () => ({
    supportedVersions: SUPPORTED_VERSIONS,
    capabilities: discoverCapabilities,
    ...(definition.instructions !== undefined && { instructions: definition.instructions }),
  });

  // the modern era's own method (methods.ts keeps it out of the legacy era)
  methods.set('server/discover', async () => discoverResult());

  async function handleModern(
    method: string,
    params: Record<string, unknown> | undefined,
    env: RequestEnv,
  ): Promise<Record<string, unknown>> {
    const scope = env.caller ? 'private' : 'public';
    if (!isMethodOf(method, 'modern') || !methods.has(method)) throw methodNotFound(method);
    // The request's own asker (input.ts): built when the handler first asks, unless a retry's
    // requestState must be checked before the call.
    let served = env;
    if (env.asker === undefined && ASKING_METHODS.has(method)) {
      const make = () =>
        modernAsker({
          clientCapabilities: env.modern?.clientCapabilities ?? {},
          inputResponses: params?.inputResponses as Record<string, unknown> | undefined,
          requestState: params?.requestState,
          codec: requestState,
          binding: bindingOf(method, params, env.caller?.clientId ?? ''),
        });
      served = { ...env, asker: params?.requestState === undefined ? lazyAsker(make) : make() };
    }
    try {
      const result = await handle(method, params, served);
      // a task's handle (tasks/wire.ts) is the one result that is not `complete`
      if (isCreateTaskResult(result)) return { ...result, _meta: { [META.serverInfo]: serverInfo } };
      return modernResult(method, result, serverInfo, scope);
    } catch (error) {
      if (isInputRequired(error)) {
        // basic/patterns/mrtr.mdx: the questions and the state the retry must echo
        return {
          resultType: 'input_required',
          inputRequests: error.inputRequests,
          requestState: error.requestState,
          _meta: { [META.serverInfo]: serverInfo },
        };
      }
      // the modern era reports a missing resource as invalid params (2026-07-28 changelog)
      if (error instanceof ProtocolError && error.code === RPC_ERROR.ResourceNotFound)
        throw new ProtocolError(RPC_ERROR.InvalidParams, error.message, error.data);
      throw error;
    }
  }

  async function handle(method: string, params: Record<string, unknown> | undefined, env: RequestEnv) {
    const handler = methods.get(method);
    if (!handler) throw methodNotFound(method);
    const sent = { notifications: 0 };
    const started = observer ? performance.now() : 0;
    let ok = false;
    try {
      const result = await handler(params ?? {}, handlerContext(env, sent), env);
      ok = true;
      // The SDK's client runs notification handlers a microtask after reading them; when the
      // last notifications and the result arrive in one read, the result closes the request
      // first and those notifications are dropped (lost progress). A short pause after a
      // request that notified lets them go out in a read of their own.
      if (sent.notifications > 0) await delay(SETTLE_MS);
      return result;
    } finally {
      observer?.request(method, (performance.now() - started) / 1000, ok);
    }
  }

  return {
    definition,
    capabilities,
    discoverResult,
    initializeResult(requestedVersion, transport) {
      const protocolVersion =
        typeof requestedVersion === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requestedVersion)
          ? requestedVersion
          : LATEST_PROTOCOL_VERSION;
      return {
        protocolVersion,
        capabilities: capabilities(transport),
        serverInfo: {
          name: definition.name,
          version: definition.version,
          ...(definition.title !== undefined && { title: definition.title }),
        },
        ...(definition.instructions !== undefined && { instructions: definition.instructions }),
      };
    },
    toolHeaders: (name) => tools.headers(name),
    has: (method) => methods.has(method),
    handle: (method, params, env) => {
      if (!tracingActive())
        return env.modern ? handleModern(method, params, env) : handle(method, params, env);
      const request = {
        requestId: env.requestId,
        sessionId: env.sessionId,
        modernVersion: env.modern?.version,
      };
      return traceMcpRequest(method, params, { ...request, trace: env.trace }, () =>
        env.modern ? handleModern(method, params, env) : handle(method, params, env),
      );
    },
    watcher: (uri) => resources.watcher(uri),
    changes,
    listenOffer,
    stopTasks: async (reason) => tasks?.stopAll(reason),
  };
}

/** The context a handler sees, built from what the transport knows; the child logger is made on first use. */
export function handlerContext(
  env: RequestEnv,
  sent: { notifications: number } = { notifications: 0 },
): HandlerContext {
  let logger: Logger | undefined;
  let lastProgress = Number.NEGATIVE_INFINITY;
  const asker = env.asker ?? CANNOT_ASK;
  return {
    get logger() {
      logger ??= env.logger.child({ requestId: env.requestId });
      return logger;
    },
    signal: env.signal,
    requestId: env.requestId,
    ...(env.caller !== undefined && { caller: env.caller }),
    ...(env.sessionId !== undefined && { sessionId: env.sessionId }),
    canAsk: (kind) => asker.can(kind),
    ask: (requests) => asker.ask(requests),
    elicit: (key, form) => elicitWith(asker, key, form),
    // a tool that may start a task gets a context that can (tasks/engine.ts); elsewhere there is none
    startTask: async () => false,
    async progress(progress, total, message) {
      if (env.progressToken === undefined || !env.notify || env.signal.aborted) return;
      // progress must increase (spec): a repeated or smaller value is dropped, not an error
      if (progress <= lastProgress) return;
      lastProgress = progress;
      sent.notifications++;
      await env.notify({
        method: 'notifications/progress',
        params: {
          progressToken: env.progressToken,
          progress,
          ...(total !== undefined && { total }),
          ...(message !== undefined && { message }),
        },
      });
    },
    async log(level, data) {
      if (!env.notify || env.signal.aborted) return;
      // modern era: only when this request's _meta asked for a level (server/utilities/logging.mdx)
      if (env.modern && env.modern.logLevel === undefined) return;
      const threshold = LEVELS.indexOf(
        env.modern?.logLevel ?? env.session.logLevel ?? DEFAULT_CLIENT_LOG_LEVEL,
      );
      if (LEVELS.indexOf(level) < threshold) return;
      sent.notifications++;
      await env.notify({ method: 'notifications/message', params: { level, logger: 'server', data } });
    },
  };
}

function setLevel(params: Record<string, unknown>, env: RequestEnv): Record<string, never> {
  const level = params.level as LoggingLevel;
  if (!LEVELS.includes(level)) {
    throw protocolError(
      'InvalidParams',
      `unknown log level: ${String(level)}; expected one of ${LEVELS.join(', ')}`,
    );
  }
  env.session.logLevel = level;
  return {};
}

export type { ProtocolError };
