import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { jsonShapeProblem } from './json-limits.ts';
import { type RequestId, refusalIdOf, requestIdOf } from './jsonrpc.ts';
import { errorMessage, ProtocolError, RPC_ERROR } from './protocol-error.ts';

export interface LineTransportOptions {
  /** Longest line (one message) in bytes; a longer one is refused whole (default 16 MiB). */
  maxLineBytes?: number;
  /**
   * Most requests served at once (default 64). Past it, requests wait in a queue of at most
   * `maxWaitingBytes`; past that, reading stops and the client's writes wait in the pipe.
   * Notifications (a cancellation) and answers to the server's own questions are never held.
   */
  maxInFlight?: number;
  /** Largest queue of requests read and waiting for a place (default 1 MiB). */
  maxWaitingBytes?: number;
}

/**
 * Newline-delimited JSON-RPC over a pair of streams, like the SDK's stdio transport but answering
 * bad input instead of dropping it: invalid JSON gets a parse error, a message that is not
 * JSON-RPC (a batch, a bare value, a missing method) gets an invalid-request error, each with the
 * request's id when one can be read. A line longer than `maxLineBytes` is refused the same way.
 *
 * Bounded whatever the client does: a line is gathered in chunks and joined once (linear in its
 * length, up to the bound); at most `maxInFlight` requests are served at once and at most
 * `maxWaitingBytes` of requests wait for a place; stdin is not read while that queue is full nor
 * while stdout is (a client that stops reading its answers stops being read); a last line with no
 * newline before the end of stdin is served like any other (`onend` is called after it).
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** stdin ended; the last line, with or without its newline, was handed on before this. */
  onend?: (() => void) | undefined;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #maxLineBytes: number;
  readonly #maxInFlight: number;
  readonly #maxWaitingBytes: number;
  /** The pieces of the line being read, and their size in bytes. */
  #pieces: string[] = [];
  #pieceBytes = 0;
  #discarding = false;
  /** Requests read while at the in-flight bound, served in order as answers go out. */
  #waiting: Array<{ message: JSONRPCMessage; bytes: number }> = [];
  #waitingBytes = 0;
  readonly #inFlight = new Set<RequestId>();
  #outputFull = false;
  #drain: Promise<void> | undefined;
  #ended = false;
  #closed = false;
  #idle: Array<() => void> = [];

  constructor(input: Readable, output: Writable, options: LineTransportOptions = {}) {
    this.#input = input;
    this.#output = output;
    this.#maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
    this.#maxInFlight = options.maxInFlight ?? 64;
    this.#maxWaitingBytes = options.maxWaitingBytes ?? 1024 * 1024;
  }

  /** Requests read and not yet answered. */
  get inFlight(): number {
    return this.#inFlight.size + this.#waiting.length;
  }

  async start(): Promise<void> {
    this.#input.setEncoding('utf8');
    this.#input.on('data', this.#onData);
    this.#input.on('end', this.#onEnd);
    this.#input.on('error', this.#onError);
  }

  /** Bytes written and not yet taken by the reader: what a slow reader makes this process hold. */
  get buffered(): number {
    return this.#output.writableLength;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return;
    const line = `${JSON.stringify(message)}\n`;
    const written = this.#output.write(line);
    if ('id' in message && message.id !== undefined && ('result' in message || 'error' in message))
      this.#answered(message.id);
    if (!written) await this.#drained();
  }

  /** One wait for stdout to drain, whatever the number of answers waiting on it. */
  #drained(): Promise<void> {
    this.#drain ??= new Promise<void>((resolve) => {
      this.#outputFull = true;
      this.#flow();
      this.#output.once('drain', () => {
        this.#drain = undefined;
        this.#outputFull = false;
        this.#flow();
        resolve();
      });
    });
    return this.#drain;
  }

  /** Resolves once every request read has been answered (or at once when none is waiting). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#input.off('data', this.#onData);
    this.#input.off('end', this.#onEnd);
    this.#input.off('error', this.#onError);
    this.#input.pause();
    this.#pieces = [];
    this.#waiting = [];
    this.#waitingBytes = 0;
    this.#inFlight.clear();
    for (const resolve of this.#idle.splice(0)) resolve();
    this.onclose?.();
  }

  readonly #onError = (error: Error) => this.onerror?.(error);

  readonly #onEnd = () => {
    this.#ended = true;
    // a last request without its newline is still a request
    if (!this.#discarding && this.#pieceBytes > 0) this.#line(this.#takeLine(''));
    this.onend?.();
  };

  readonly #onData = (chunk: string) => {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, end);
      start = end + 1;
      if (this.#discarding) {
        // the end of a line already refused as too long
        this.#discarding = false;
        continue;
      }
      if (this.#pieceBytes + Buffer.byteLength(piece) > this.#maxLineBytes) {
        this.#pieces = [];
        this.#pieceBytes = 0;
        this.#tooLong();
        continue;
      }
      this.#line(this.#takeLine(piece));
    }
    if (this.#discarding || start === chunk.length) return;
    const rest = start === 0 ? chunk : chunk.slice(start);
    this.#pieces.push(rest);
    this.#pieceBytes += Buffer.byteLength(rest);
    if (this.#pieceBytes > this.#maxLineBytes) {
      this.#pieces = [];
      this.#pieceBytes = 0;
      this.#discarding = true;
      this.#tooLong();
    }
  };

  #tooLong(): void {
    this.#reject(null, RPC_ERROR.InvalidRequest, `message larger than ${this.#maxLineBytes} bytes`);
  }

  /** The line gathered so far, ending with `last`; joined once, however many chunks it came in. */
  #takeLine(last: string): string {
    const line = this.#pieces.length === 0 ? last : this.#pieces.join('') + last;
    this.#pieces = [];
    this.#pieceBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  /** A whole line: checked, then handed on, or queued while every place is taken. */
  #line(line: string): void {
    if (line.trim() === '') return;
    const message = this.#parse(line);
    if (!message) return;
    if ('method' in message && 'id' in message && message.method !== 'subscriptions/listen') {
      // a request holds a place until its answer is sent (a listen is open until it ends, under
      // its own bound); past the bound it waits, in order
      if (this.#inFlight.size >= this.#maxInFlight || this.#waiting.length > 0) {
        this.#waiting.push({ message, bytes: line.length });
        this.#waitingBytes += line.length;
        this.#flow();
        return;
      }
      this.#inFlight.add(message.id);
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // a cancelled request gets no answer: its place is free once the server has seen this
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) queueMicrotask(() => this.#answered(id));
    }
    this.onmessage?.(message);
  }

  #answered(id: RequestId): void {
    if (!this.#inFlight.delete(id)) return;
    while (this.#waiting.length > 0 && this.#inFlight.size < this.#maxInFlight) {
      const { message, bytes } = this.#waiting.shift() as { message: JSONRPCMessage; bytes: number };
      this.#waitingBytes -= bytes;
      this.#inFlight.add((message as { id: RequestId }).id);
      this.onmessage?.(message);
    }
    this.#flow();
    if (this.inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Reads stdin only while there is room: the waiting queue under its bound, and stdout not full. */
  #flow(): void {
    if (this.#closed || this.#ended) return;
    const room = !this.#outputFull && this.#waitingBytes < this.#maxWaitingBytes;
    if (room && this.#input.isPaused()) this.#input.resume();
    else if (!room && !this.#input.isPaused()) this.#input.pause();
  }

  /** A line as a JSON-RPC message, or undefined once its error was sent. */
  #parse(line: string): JSONRPCMessage | undefined {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#reject(null, RPC_ERROR.ParseError, 'parse error: the line is not valid JSON');
      return undefined;
    }
    const problem = jsonShapeProblem(value);
    if (problem) {
      // before any schema or error path walks it (a deep one overflows their stacks)
      this.#reject(refusalIdOf(value), RPC_ERROR.InvalidRequest, `invalid request: ${problem}`);
      return undefined;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = requestIdOf(value);
      const what = Array.isArray(value)
        ? 'batches are not supported; send one message per line'
        : 'not a JSON-RPC 2.0 message';
      this.#reject(id, RPC_ERROR.InvalidRequest, `invalid request: ${what}`);
      return undefined;
    }
    return parsed.data;
  }

  #reject(id: string | number | null, code: number, message: string): void {
    void this.send(errorMessage(id, new ProtocolError(code, message)) as JSONRPCMessage);
  }
}
