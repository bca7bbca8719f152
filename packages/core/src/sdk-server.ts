import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { RequestEnv, ServerTables, SessionState, Transport } from './dispatch.ts';
import type { Logger } from './logger.ts';
import { TABLE_METHODS } from './methods.ts';
import { protocolError } from './protocol-error.ts';
import type { CallerIdentity } from './server.ts';

export interface SdkServerOptions {
  transport: Exclude<Transport, 'stateless'>;
  logger: Logger;
}

/**
 * An SDK `Server` answering from the tables, for stdio and stateful HTTP sessions: the SDK does
 * the session work (initialize, cancellation, progress tokens, server-to-client requests) and
 * every request is answered by the same `handle` the stateless fast path uses. Subscriptions
 * live here, one watcher per subscribed URI, all stopped when the connection closes.
 */
export function createSdkServer(tables: ServerTables, options: SdkServerOptions): Server {
  const { definition } = tables;
  const server = new Server(
    {
      name: definition.name,
      version: definition.version,
      ...(definition.title !== undefined && { title: definition.title }),
    },
    {
      capabilities: tables.capabilities(options.transport),
      ...(definition.instructions !== undefined && { instructions: definition.instructions }),
    },
  );
  const session: SessionState = {};
  const watching = new Map<string, () => void>();

  for (const schema of TABLE_METHODS) {
    const method = schema.shape.method.value;
    if (method !== 'ping' && method !== 'logging/setLevel' && !tables.has(method)) continue;
    server.setRequestHandler(schema, async (request, extra) => {
      const env: RequestEnv = {
        requestId: extra.requestId,
        signal: extra.signal,
        logger: options.logger,
        progressToken: extra._meta?.progressToken,
        notify: (notification) => extra.sendNotification(notification as never),
        caller: callerFrom(extra.authInfo),
        sessionId: extra.sessionId,
        session,
      };
      return (await tables.handle(method, request.params as Record<string, unknown>, env)) as never;
    });
  }

  if (tables.capabilities(options.transport).resources?.subscribe) {
    server.setRequestHandler(SubscribeRequestSchema, async ({ params: { uri } }) => {
      const watch = tables.watcher(uri);
      if (!watch) throw protocolError('InvalidParams', `resource ${uri} does not support subscriptions`);
      if (!watching.has(uri)) {
        const changed = () => {
          server.sendResourceUpdated({ uri }).catch((error: unknown) => {
            options.logger.debug({ err: error, uri }, 'resource update not delivered');
          });
        };
        watching.set(uri, watch(changed));
      }
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, async ({ params: { uri } }) => {
      watching.get(uri)?.();
      watching.delete(uri);
      return {};
    });
  }

  // the same answer as the HTTP fast path for a method nobody handles
  server.fallbackRequestHandler = async (request) => {
    throw protocolError('MethodNotFound', `method not found: ${request.method}`);
  };

  const previousOnClose = server.onclose;
  server.onclose = () => {
    for (const stop of watching.values()) stop();
    watching.clear();
    previousOnClose?.();
  };
  return server;
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
