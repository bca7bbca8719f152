import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AnyObjectSchema, SchemaOutput } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { InitializeRequestSchema, type ServerResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { RequestEnv, ServerTables, Transport } from './dispatch.ts';
import { AppError } from './errors.ts';
import { ANSWER_SCHEMA, type Asker, checkAnswer, kindsOf, type QuestionKind } from './input.ts';
import type { Logger } from './logger.ts';
import { checkParams } from './methods.ts';
import { clip, methodNotFound, protocolError } from './protocol-error.ts';
import type { CallerIdentity } from './server.ts';
import { type RequestTrace, traceMcpRequest } from './tracing/mcp-span.ts';
import { carrierOf } from './tracing/propagation.ts';
import { tracingActive } from './tracing/spans.ts';

export interface SdkServerOptions {
  transport: Exclude<Transport, 'stateless'>;
  logger: Logger;
}

/** What the SDK tells a request handler about its request (id, signal, auth, notifications). */
type Extra = Parameters<NonNullable<Server['fallbackRequestHandler']>>[1];

/** What the SDK parses an initialize request with here: only its method; core checks the params. */
const InitializeMethod = z.looseObject({ method: z.literal('initialize') });

/**
 * The SDK's Server with its initialize handler behind core's params check. The SDK parses a
 * request with its schema before the handler runs and answers a failed parse with -32603 and a
 * zod issue dump; core answers -32602 naming the member, the same on every transport. The SDK
 * registers initialize in its constructor, through this method.
 */
class CheckedServer extends Server {
  /** stdio or an HTTP session, for the initialize span (the other requests' come from the tables). */
  traceTransport = 'stdio';
  /** The version the last initialize agreed on: on stdio, no header says it on each request. */
  negotiatedVersion: string | undefined;

  override setRequestHandler<T extends AnyObjectSchema>(
    schema: T,
    handler: (request: SchemaOutput<T>, extra: Extra) => ServerResult | Promise<ServerResult>,
  ): void {
    if (schema !== (InitializeRequestSchema as AnyObjectSchema)) {
      super.setRequestHandler(schema, handler);
      return;
    }
    super.setRequestHandler(InitializeMethod, (request, extra) => {
      const answer = async () => {
        const params = checkParams('initialize', request.params);
        const result = await handler({ method: 'initialize', params } as never, extra);
        this.negotiatedVersion = (result as { protocolVersion?: string }).protocolVersion;
        return result;
      };
      if (!tracingActive()) return answer();
      const traced = {
        requestId: extra.requestId,
        sessionId: extra.sessionId,
        trace: sessionTrace(this.traceTransport, extra, this.negotiatedVersion),
      };
      const params = request.params as Record<string, unknown> | undefined;
      return traceMcpRequest('initialize', params, traced, async () => answer());
    });
  }
}

/**
 * An SDK `Server` answering from the tables, for stdio and stateful HTTP sessions: the SDK does
 * the session work (initialize, cancellation, progress tokens, server-to-client requests) and
 * every request is answered by the same `handle` the stateless fast path uses. Requests reach
 * core unparsed (the SDK's fallback handler) and their params are checked by `checkParams`, as
 * on the fast path, so a bad request gets the same -32602 everywhere. Subscriptions live here,
 * one watcher per subscribed URI, all stopped when the connection closes.
 */
export function createSdkServer(tables: ServerTables, options: SdkServerOptions): Server {
  const { definition } = tables;
  const capabilities = tables.capabilities(options.transport);
  const server = new CheckedServer(
    {
      name: definition.name,
      version: definition.version,
      ...(definition.title !== undefined && { title: definition.title }),
    },
    {
      capabilities,
      ...(definition.instructions !== undefined && { instructions: definition.instructions }),
    },
  );
  server.traceTransport = options.transport;
  const session: RequestEnv['session'] = {};
  const watching = new Map<string, () => void>();
  const subscribable = capabilities.resources?.subscribe === true;

  // the change feed, heard through the tables' hub: a template resource notifies here too
  const subscribe = (uri: string) => {
    if (!tables.listenOffer.subscribable(uri))
      throw protocolError('InvalidParams', `resource ${clip(uri)} does not support subscriptions`);
    if (!watching.has(uri)) {
      const changed = () => {
        server.sendResourceUpdated({ uri }).catch((error: unknown) => {
          options.logger.debug({ err: error, uri }, 'resource update not delivered');
        });
      };
      watching.set(uri, tables.changes.watchResource(uri, changed));
    }
    return {};
  };
  const unsubscribe = (uri: string) => {
    watching.get(uri)?.();
    watching.delete(uri);
    return {};
  };
  // the lists whose changes are advertised: told to this connection while it is open
  const lists = new Set(
    (['tools', 'prompts', 'resources'] as const).filter((kind) => capabilities[kind]?.listChanged === true),
  );
  // only once initialized: a modern client on the same stdio connection asked for none of them
  let initialized = false;
  server.oninitialized = () => {
    initialized = true;
  };
  const stopLists =
    lists.size > 0
      ? tables.changes.watchLists((kind) => {
          if (!initialized || !lists.has(kind)) return;
          const sent =
            kind === 'tools'
              ? server.sendToolListChanged()
              : kind === 'prompts'
                ? server.sendPromptListChanged()
                : server.sendResourceListChanged();
          sent.catch((error: unknown) =>
            options.logger.debug({ err: error, kind }, 'list change not delivered'),
          );
        })
      : undefined;

  // the tables answer ping and logging/setLevel too (the level is the session's)
  server.removeRequestHandler('ping');
  server.removeRequestHandler('logging/setLevel');
  server.fallbackRequestHandler = async (request, extra: Extra) => {
    const { method } = request;
    const answered =
      tables.has(method) ||
      method === 'ping' ||
      method === 'logging/setLevel' ||
      (subscribable && (method === 'resources/subscribe' || method === 'resources/unsubscribe'));
    // the same answer as the HTTP fast path for a method nobody handles
    if (!answered) throw methodNotFound(method);
    const params = checkParams(method, request.params);
    if (method === 'resources/subscribe') return subscribe(String(params?.uri));
    if (method === 'resources/unsubscribe') return unsubscribe(String(params?.uri));
    const meta = params?._meta as { progressToken?: string | number } | undefined;
    const env: RequestEnv = {
      requestId: extra.requestId,
      signal: extra.signal,
      logger: options.logger,
      progressToken: meta?.progressToken,
      notify: (notification) => extra.sendNotification(notification as never),
      caller: callerFrom(extra.authInfo),
      sessionId: extra.sessionId,
      session,
      asker: legacyAsker(server, extra),
      trace: tracingActive() ? sessionTrace(options.transport, extra, server.negotiatedVersion) : undefined,
    };
    return (await tables.handle(method, params, env)) as ServerResult;
  };

  const previousOnClose = server.onclose;
  server.onclose = () => {
    for (const stop of watching.values()) stop();
    watching.clear();
    stopLists?.();
    previousOnClose?.();
  };
  return server;
}

/**
 * Questions in the legacy era: server-to-client requests tied to the request being served (on
 * stdio, and on a session's POST stream), for the kinds the client declared at initialize.
 */
function legacyAsker(server: Server, extra: Extra): Asker {
  const can = (kind: QuestionKind) => server.getClientCapabilities()?.[kind] !== undefined;
  return {
    can,
    async ask(requests) {
      const missing = kindsOf(requests).filter((kind) => !can(kind));
      if (missing.length) {
        throw new AppError(
          'UNAVAILABLE',
          `this call needs to ask the client (${missing.join(', ')}), and the client did not declare ${missing.join(' and ')} when it connected`,
        );
      }
      const entries = await Promise.all(
        Object.entries(requests).map(async ([key, request]) => {
          const answer = await extra.sendRequest(
            { method: request.method, params: request.params ?? {} } as never,
            ANSWER_SCHEMA[request.method],
          );
          return [key, checkAnswer(`the answer to ${request.method}`, request, answer)] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
  };
}

/** What a request's span learns from the SDK: stdio or HTTP, and an HTTP request's trace headers. */
function sessionTrace(transport: string, extra: Extra, negotiated: string | undefined): RequestTrace {
  if (transport === 'stdio') return { transport: 'pipe', protocolVersion: negotiated };
  const headers = extra.requestInfo?.headers;
  const version = headers?.['mcp-protocol-version'];
  return {
    transport: 'tcp',
    headers: carrierOf(headers),
    protocolVersion: typeof version === 'string' ? version : undefined,
  };
}

/** The identity the HTTP auth layer put on the request (see auth.ts), as handlers see it. */
export function callerFrom(authInfo: AuthInfo | undefined): CallerIdentity | undefined {
  if (!authInfo) return undefined;
  return {
    clientId: authInfo.clientId,
    scopes: authInfo.scopes,
    ...(authInfo.extra !== undefined && { extra: authInfo.extra }),
  };
}
