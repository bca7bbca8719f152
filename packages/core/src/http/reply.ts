import type { ServerResponse } from 'node:http';
import type { Notification } from '../dispatch.ts';
import { resultResponse } from '../jsonrpc.ts';
import { errorResponse, type ProtocolError } from '../protocol-error.ts';

/**
 * One stateless response: plain JSON, unless a notification comes first, in which case it turns
 * into an SSE stream carrying the notifications and then the answer.
 */
export class Reply {
  readonly res: ServerResponse;
  readonly canStream: boolean;
  #streaming = false;

  constructor(res: ServerResponse, canStream: boolean) {
    this.res = res;
    this.canStream = canStream;
  }

  notify(notification: Notification): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (!this.#streaming) {
      this.#streaming = true;
      this.res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // proxies (nginx) must pass each event on at once (streamable-http.mdx)
        'x-accel-buffering': 'no',
      });
    }
    this.res.write(event(JSON.stringify({ jsonrpc: '2.0', ...notification })));
  }

  finish(id: string | number, result: unknown): void {
    this.#end(resultResponse(id, result));
  }

  /** An error answer; `status` applies unless the response already turned into a stream. */
  fail(id: string | number | null, error: ProtocolError, status = 200): void {
    this.#end(errorResponse(id, error), status);
  }

  #end(json: string, status = 200): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (this.#streaming) {
      this.res.end(event(json));
      return;
    }
    this.res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    this.res.end(json);
  }
}

function event(json: string): string {
  return `event: message\ndata: ${json}\n\n`;
}
