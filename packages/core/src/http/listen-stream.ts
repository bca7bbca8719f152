import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestId } from '../jsonrpc.ts';
import type { SubscriptionFilter } from '../listen-filter.ts';
import type { ListenSink, Listens } from '../listens.ts';
import { errorResponse, ProtocolError } from '../protocol-error.ts';
import type { CallerIdentity } from '../server.ts';
import { clientAddress } from './client-address.ts';

/**
 * What one listen stream may have written and the client not yet read before it is closed: a
 * client that stops reading costs at most this much memory (plus the socket's own buffers).
 */
export const MAX_LISTEN_BUFFER_BYTES = 256 * 1024;

/** Seconds a client refused for the process bound is told to wait. */
const PROCESS_FULL_RETRY_S = 5;

/** Whose listens count together: the authenticated client, else the address. */
export function listenCaller(req: IncomingMessage, caller: CallerIdentity | undefined): string {
  return caller ? `key:${caller.clientId}` : `addr:${clientAddress(req)}`;
}

/**
 * `subscriptions/listen` over HTTP (2026-07-28): the POST's response is the stream, SSE from its
 * acknowledgement on, held open until the client closes it (its cancellation) or the server ends
 * it with the complete result (shutdown). A listen past a bound gets a JSON error instead: 429
 * for the caller's own bound (closing one of its listens makes room), 503 with `Retry-After` for
 * the process's (another replica may have room).
 */
export function serveListen(
  listens: Listens,
  request: { id: RequestId; filter: SubscriptionFilter; caller: string },
  res: ServerResponse,
  maxBufferedBytes = MAX_LISTEN_BUFFER_BYTES,
): void {
  let started = false;
  const sink: ListenSink = {
    send(message) {
      if (res.destroyed || res.writableEnded) return true;
      // backpressure: past the bound the client is not reading, and the listen is dropped
      if (res.writableLength > maxBufferedBytes) return false;
      if (!started) {
        started = true;
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
      }
      res.write(event(JSON.stringify(message)));
      return true;
    },
    end(final) {
      if (final && !res.destroyed && !res.writableEnded) res.end(event(JSON.stringify(final)));
      // the client went away or stopped reading: free the socket and what it buffered
      else if (!res.destroyed) res.destroy();
    },
  };
  try {
    const listen = listens.open({ ...request, sink });
    // the client closing the stream is its cancellation (basic/patterns/subscriptions.mdx)
    res.once('close', () => listen.cancel());
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const scope = (error.data as { scope?: string } | undefined)?.scope;
    if (scope === 'process') res.setHeader('retry-after', String(PROCESS_FULL_RETRY_S));
    const json = errorResponse(request.id, error);
    res.writeHead(scope === 'caller' ? 429 : scope === 'process' ? 503 : 400, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  }
}

function event(json: string): string {
  return `event: message\ndata: ${json}\n\n`;
}
