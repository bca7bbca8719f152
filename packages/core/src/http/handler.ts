import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResponseSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { buildTables, type RequestEnv, type ServerTables } from '../dispatch.ts';
import { eraOf, type ModernMeta } from '../era.ts';
import { describeError, describeIssues } from '../errors.ts';
import { requestIdOf } from '../jsonrpc.ts';
import type { SubscriptionFilter } from '../listen-filter.ts';
import { type ListenLimits, type Listens, listensFor } from '../listens.ts';
import type { Logger } from '../logger.ts';
import { checkParams } from '../methods.ts';
import { errorResponse, methodNotFound, ProtocolError, protocolError } from '../protocol-error.ts';
import type { CallerIdentity, ServerDefinition } from '../server.ts';
import { type RequestTrace, traceMcpRequest } from '../tracing/mcp-span.ts';
import { carrierOf } from '../tracing/propagation.ts';
import { tracingActive } from '../tracing/spans.ts';
import { BodyTooLargeError, lingerOnOversizedBody, MessageShapeError, readJsonBody } from './body.ts';
import { listenCaller, serveListen } from './listen-stream.ts';
import { checkModernRequest, isModernRequest, modernBodylessRefusal, modernStatus } from './modern.ts';
import { Reply } from './reply.ts';

const SESSION_ONLY = new Set(['resources/subscribe', 'resources/unsubscribe']);

export interface McpHttpHandlerOptions {
  logger: Logger;
  /** Largest request body in bytes (default 4 MiB); larger gets 413. */
  maxBodyBytes?: number;
  /** The caller's identity, once the request was authenticated (see auth.ts). */
  callerOf?: (req: IncomingMessage) => CallerIdentity | undefined;
  /** Aborts every request in flight (shutdown past its grace period). */
  signal?: AbortSignal;
  /**
   * Legacy sessions (`--stateful`): every message that is not a modern request goes here, its
   * body already read when it had one; modern requests are still answered statelessly.
   */
  sessions?: LegacySessions | undefined;
  /**
   * The open `subscriptions/listen` streams (listens.ts), shared with whoever ends them at
   * shutdown (serve.ts); default: a registry of this handler's own, with `listenLimits`.
   */
  listens?: Listens | undefined;
  listenLimits?: Partial<ListenLimits> | undefined;
}

export type LegacySessions = (
  req: IncomingMessage,
  res: ServerResponse,
  caller: CallerIdentity | undefined,
  body: unknown,
) => Promise<void>;

export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The handler's core: serve one request as `caller` (what serveHttp's auth found); `body` when
 * the caller already read it (to tell a modern request from a session's, see serve.ts).
 */
export type McpServe = (
  req: IncomingMessage,
  res: ServerResponse,
  caller: CallerIdentity | undefined,
  body?: unknown,
) => void;

/**
 * A plain Node request handler serving MCP's Streamable HTTP statelessly: POST a JSON-RPC
 * message, get its answer as JSON, or as SSE when the handler sends notifications (progress, log
 * messages) before it. Nothing of one request outlives it. Mount it at your MCP path in any app:
 * `http.createServer(handler)`, `app.all('/mcp', handler)` (express; a body already parsed by
 * `express.json()` is used as is), fastify's `reply.hijack()` then `handler(req.raw, reply.raw)`.
 */
export function createMcpHttpHandler(
  definition: ServerDefinition | ServerTables,
  options: McpHttpHandlerOptions,
): NodeHandler {
  const serve = createMcpServe(definition, options);
  return (req, res) => serve(req, res, options.callerOf?.(req));
}

/** `createMcpHttpHandler` with the caller passed in, not looked up on the request. */
export function createMcpServe(
  definition: ServerDefinition | ServerTables,
  options: McpHttpHandlerOptions,
): McpServe {
  const tables = 'handle' in definition ? definition : buildTables(definition);
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const { logger } = options;
  const running = new Set<AbortController>();
  const listens = options.listens ?? listensFor(tables, { logger, ...options.listenLimits });
  options.signal?.addEventListener(
    'abort',
    () => {
      for (const controller of running) controller.abort(options.signal?.reason);
    },
    { once: true },
  );

  return (req, res, caller, body) => {
    if (body !== undefined) return void answer(body, req, res, caller);
    if (req.method !== 'POST') {
      const refusal = modernBodylessRefusal(req);
      if (refusal) {
        res.setHeader('allow', 'POST');
        return send(res, refusal.status, errorResponse(null, refusal.error));
      }
      if (options.sessions) return void options.sessions(req, res, caller, undefined);
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
      res.end(
        errorResponse(
          null,
          protocolError(
            'InvalidRequest',
            `${req.method} is not supported here: this server is stateless, POST JSON-RPC messages`,
          ),
        ),
      );
      return;
    }
    readJsonBody(req, maxBodyBytes).then(
      (body) => answer(body, req, res, caller),
      (error: unknown) => {
        if (error instanceof BodyTooLargeError) {
          lingerOnOversizedBody(req);
          return send(res, 413, errorResponse(null, protocolError('InvalidRequest', error.message)));
        }
        const failure =
          error instanceof ProtocolError
            ? error
            : protocolError('ParseError', 'could not read the request body');
        send(res, 400, errorResponse(error instanceof MessageShapeError ? error.requestId : null, failure));
      },
    );
  };

  async function answer(
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    caller: CallerIdentity | undefined,
  ): Promise<void> {
    if (options.sessions && !isModernRequest(body, req)) return options.sessions(req, res, caller, body);
    if (Array.isArray(body)) {
      return send(
        res,
        400,
        errorResponse(
          null,
          protocolError('InvalidRequest', 'batches are not supported: send one message per request'),
        ),
      );
    }
    if (body === null || typeof body !== 'object') {
      return send(
        res,
        400,
        errorResponse(null, protocolError('InvalidRequest', 'the body must be a JSON-RPC message object')),
      );
    }
    const message = body as Record<string, unknown>;
    if (!('method' in message)) {
      // a response to a server request: there is none in stateless mode; accept and ignore
      if (JSONRPCResponseSchema.safeParse(message).success) return accepted(res);
      return send(
        res,
        400,
        errorResponse(requestIdOf(message), protocolError('InvalidRequest', 'not a JSON-RPC 2.0 request')),
      );
    }
    if (!('id' in message)) {
      if (JSONRPCNotificationSchema.safeParse(message).success) return accepted(res);
      return send(
        res,
        400,
        errorResponse(null, protocolError('InvalidRequest', 'not a JSON-RPC 2.0 notification')),
      );
    }
    const envelope = JSONRPCRequestSchema.safeParse(message);
    if (!envelope.success) {
      const { text } = describeIssues(envelope.error.issues);
      // a modern request whose params (its _meta) are malformed is invalid params (basic/index.mdx)
      const badParams =
        isModernRequest(message, req) && envelope.error.issues.every((issue) => issue.path[0] === 'params');
      const failure = badParams
        ? protocolError('InvalidParams', `invalid params: ${text}`)
        : protocolError('InvalidRequest', `invalid request: ${text}`);
      return send(res, 400, errorResponse(requestIdOf(message), failure));
    }
    const { id, method } = envelope.data;
    const reply = new Reply(res, accepts(req, 'text/event-stream'));
    const headerVersion = req.headers['mcp-protocol-version'] as string | undefined;
    if (eraOf(method, envelope.data.params, headerVersion) === 'modern')
      return modern(id, method, envelope.data.params, headerVersion, req, reply, caller);
    try {
      reply.finish(id, await dispatch(method, envelope.data, caller, reply));
    } catch (error) {
      reply.fail(id, error instanceof ProtocolError ? error : internal(error));
    }
  }

  /**
   * A modern-era request (2026-07-28), always stateless: `_meta` and headers first (a fault is
   * HTTP 400, or 404 for a method this era does not have), then the same `handle` as legacy.
   */
  async function modern(
    id: string | number,
    method: string,
    rawParams: unknown,
    headerVersion: string | undefined,
    req: IncomingMessage,
    reply: Reply,
    caller: CallerIdentity | undefined,
  ): Promise<void> {
    let meta: ModernMeta;
    let params: Record<string, unknown> | undefined;
    try {
      ({ meta, params } = checkModernRequest(req, tables, method, rawParams, headerVersion));
    } catch (error) {
      const failure = error instanceof ProtocolError ? error : internal(error);
      return reply.fail(id, failure, modernStatus(failure, 400));
    }
    if (method === 'subscriptions/listen') {
      const filter = (params as { notifications: SubscriptionFilter }).notifications;
      return serveListen(listens, { id, filter, caller: listenCaller(req, caller) }, reply.res);
    }
    try {
      reply.finish(id, await run(id, method, params, caller, reply, meta));
    } catch (error) {
      const failure = error instanceof ProtocolError ? error : internal(error);
      reply.fail(id, failure, modernStatus(failure, 200));
    }
  }

  async function dispatch(
    method: string,
    request: { id: string | number; params?: unknown },
    caller: CallerIdentity | undefined,
    reply: Reply,
  ) {
    if (SESSION_ONLY.has(method)) {
      throw protocolError(
        'MethodNotFound',
        `${method} needs a session: use stdio, or start the server with --stateful`,
      );
    }
    if (
      method !== 'initialize' &&
      method !== 'ping' &&
      method !== 'logging/setLevel' &&
      !tables.has(method)
    ) {
      throw methodNotFound(method);
    }
    if (method === 'initialize') {
      const answer = async () =>
        tables.initializeResult(checkParams(method, request.params)?.protocolVersion, 'stateless');
      if (!tracingActive()) return answer();
      // answered here, not by the tables: its span is started here too
      const traced = { requestId: request.id, trace: httpTrace(reply.res.req) };
      return traceMcpRequest(method, request.params as Record<string, unknown> | undefined, traced, answer);
    }
    const params = checkParams(method, request.params);
    return run(request.id, method, params, caller, reply, undefined);
  }

  async function run(
    id: string | number,
    method: string,
    params: Record<string, unknown> | undefined,
    caller: CallerIdentity | undefined,
    reply: Reply,
    modern: ModernMeta | undefined,
  ) {
    const controller = new AbortController();
    const abort = () => controller.abort(new Error('the client closed the connection'));
    // a closed response is the client's cancellation (basic/patterns/cancellation.mdx)
    reply.res.once('close', abort);
    // one listener on the shutdown signal for all requests, not AbortSignal.any per request
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    running.add(controller);
    const meta = params?._meta as { progressToken?: string | number } | undefined;
    const env: RequestEnv = {
      requestId: id,
      signal: controller.signal,
      logger,
      progressToken: meta?.progressToken,
      notify: reply.canStream ? async (notification) => reply.notify(notification) : undefined,
      caller,
      session: {},
      modern,
      asker: undefined,
      trace: tracingActive() ? httpTrace(reply.res.req) : undefined,
    };
    try {
      return await tables.handle(method, params, env);
    } finally {
      running.delete(controller);
      reply.res.off('close', abort);
    }
  }

  function internal(error: unknown): ProtocolError {
    return protocolError('InternalError', describeError(error, { logger }).text);
  }
}

/** What a request's span learns from its HTTP request: the trace headers and protocol version. */
function httpTrace(req: IncomingMessage): RequestTrace {
  const version = req.headers['mcp-protocol-version'];
  return {
    transport: 'tcp',
    headers: carrierOf(req.headers),
    protocolVersion: typeof version === 'string' ? version : undefined,
  };
}

function accepted(res: ServerResponse): void {
  res.writeHead(202);
  res.end();
}

function send(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function accepts(req: IncomingMessage, type: string): boolean {
  const accept = req.headers.accept;
  return accept === undefined || accept.includes(type) || accept.includes('*/*');
}
