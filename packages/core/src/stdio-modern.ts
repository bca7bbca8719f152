import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RequestEnv, ServerTables } from './dispatch.ts';
import { eraOf, readModernMeta } from './era.ts';
import { describeError } from './errors.ts';
import type { RequestId } from './jsonrpc.ts';
import type { SubscriptionFilter } from './listen-filter.ts';
import { type Listen, type ListenLimits, type ListenSink, listensFor } from './listens.ts';
import type { Logger } from './logger.ts';
import { checkParams } from './methods.ts';
import { errorMessage, ProtocolError, protocolError } from './protocol-error.ts';
import type { LineTransport } from './stdio-transport.ts';
import type { RequestTrace } from './tracing/mcp-span.ts';
import { tracingActive } from './tracing/spans.ts';

const STDIO_TRACE: RequestTrace = { transport: 'pipe' };

/** What stdout may hold unread before a listen is dropped (see MAX_LISTEN_BUFFER_BYTES for HTTP). */
const MAX_STDIO_LISTEN_BUFFER_BYTES = 1024 * 1024;

/**
 * The modern era (2026-07-28) on a stdio connection the SDK's legacy `Server` is connected to:
 * every request whose `_meta` claims a modern version, and every `server/discover`, is answered
 * here by `tables.handle`, statelessly; everything else goes on to the SDK. A probe does not pin
 * the connection: only an `initialize` does, after which all of it is the SDK's (legacy).
 * Cancellation is `notifications/cancelled` naming the request (basic/patterns/cancellation.mdx):
 * the handler's signal aborts and no answer is sent. `subscriptions/listen` shares the channel:
 * each listen's messages carry its id, several may be open, `notifications/cancelled` naming one
 * ends it, and `closeListens` (shutdown) ends each with its complete result. Returns what stops
 * the requests in flight.
 */
export function serveModernOnStdio(
  transport: LineTransport,
  tables: ServerTables,
  logger: Logger,
  listenLimits: Partial<ListenLimits> = {},
): { abortAll(reason: unknown): void; closeListens(graceful: boolean): void } {
  const legacy = transport.onmessage;
  const inflight = new Map<RequestId, AbortController>();
  const listens = listensFor(tables, { logger, ...listenLimits });
  const listening = new Map<RequestId, Listen>();
  let pinned = false;

  transport.onmessage = (message) => {
    if ('method' in message) {
      const { method, params } = message;
      if ('id' in message) {
        if (method === 'initialize') pinned = true;
        else if (!pinned && eraOf(method, params) === 'modern') return void serve(message.id, method, params);
      } else if (method === 'notifications/cancelled') {
        const requestId = (params as { requestId?: RequestId } | undefined)?.requestId ?? '';
        const running = inflight.get(requestId);
        if (running) return running.abort(new Error('cancelled by the client'));
        const listen = listening.get(requestId);
        if (listen) return listen.cancel();
      }
    }
    legacy?.(message);
  };

  async function serve(id: RequestId, method: string, rawParams: unknown): Promise<void> {
    const controller = new AbortController();
    inflight.set(id, controller);
    const { signal } = controller;
    const send = (message: object) =>
      signal.aborted ? Promise.resolve() : transport.send(message as JSONRPCMessage);
    try {
      const modern = readModernMeta(rawParams);
      const params = checkParams(method, rawParams, 'modern');
      if (method === 'subscriptions/listen')
        return listen(id, params as { notifications: SubscriptionFilter });
      const env: RequestEnv = {
        requestId: id,
        signal,
        logger,
        progressToken: (params?._meta as { progressToken?: string | number } | undefined)?.progressToken,
        notify: (notification) => send({ jsonrpc: '2.0', ...notification }),
        session: {},
        modern,
        asker: undefined,
        trace: tracingActive() ? STDIO_TRACE : undefined,
      };
      const result = await tables.handle(method, params, env);
      await send({ jsonrpc: '2.0', id, result });
    } catch (error) {
      const failure =
        error instanceof ProtocolError
          ? error
          : protocolError('InternalError', describeError(error, { logger }).text);
      await send(errorMessage(id, failure));
    } finally {
      inflight.delete(id);
    }
  }

  /** A listen on the shared channel; its messages are told apart by their subscription id. */
  function listen(id: RequestId, params: { notifications: SubscriptionFilter }): void {
    if (listening.has(id)) {
      throw protocolError(
        'InvalidRequest',
        `invalid request: id ${JSON.stringify(id)} is already an open listen's`,
      );
    }
    const sink: ListenSink = {
      send(message) {
        if (transport.buffered > MAX_STDIO_LISTEN_BUFFER_BYTES) return false;
        void transport.send(message as JSONRPCMessage);
        return true;
      },
      end(final) {
        listening.delete(id);
        if (final) void transport.send(final as JSONRPCMessage);
      },
    };
    listening.set(id, listens.open({ id, caller: 'stdio', filter: params.notifications, sink }));
  }

  return {
    closeListens(graceful) {
      listens.closeAll(graceful);
    },
    abortAll(reason) {
      for (const controller of inflight.values()) controller.abort(reason);
    },
  };
}
