import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { requestIdOf } from './jsonrpc.ts';
import { errorMessage, ProtocolError, RPC_ERROR } from './protocol-error.ts';

/**
 * Newline-delimited JSON-RPC over a pair of streams, like the SDK's stdio transport but answering
 * bad input instead of dropping it: invalid JSON gets a parse error, a message that is not
 * JSON-RPC (a batch, a bare value, a missing method) gets an invalid-request error, each with the
 * request's id when one can be read. A line longer than `maxLineBytes` is refused the same way.
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #maxLineBytes: number;
  #buffer = '';
  #discarding = false;
  #closed = false;

  constructor(input: Readable, output: Writable, options: { maxLineBytes?: number } = {}) {
    this.#input = input;
    this.#output = output;
    this.#maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
  }

  async start(): Promise<void> {
    this.#input.setEncoding('utf8');
    this.#input.on('data', this.#onData);
    this.#input.on('error', this.#onError);
  }

  /** Bytes written and not yet taken by the reader: what a slow reader makes this process hold. */
  get buffered(): number {
    return this.#output.writableLength;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return;
    const line = `${JSON.stringify(message)}\n`;
    if (!this.#output.write(line)) await new Promise<void>((resolve) => this.#output.once('drain', resolve));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#input.off('data', this.#onData);
    this.#input.off('error', this.#onError);
    this.#input.pause();
    this.#buffer = '';
    this.onclose?.();
  }

  readonly #onError = (error: Error) => this.onerror?.(error);

  readonly #onData = (chunk: string) => {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, end);
      start = end + 1;
      if (this.#discarding) {
        this.#discarding = false;
        continue;
      }
      const line = this.#buffer + piece;
      this.#buffer = '';
      this.#receive(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    if (this.#discarding) return;
    this.#buffer += chunk.slice(start);
    if (Buffer.byteLength(this.#buffer) > this.#maxLineBytes) {
      this.#buffer = '';
      this.#discarding = true;
      this.#reject(null, RPC_ERROR.InvalidRequest, `message larger than ${this.#maxLineBytes} bytes`);
    }
  };

  #receive(line: string): void {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#reject(null, RPC_ERROR.ParseError, 'parse error: the line is not valid JSON');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = requestIdOf(value);
      const what = Array.isArray(value)
        ? 'batches are not supported; send one message per line'
        : 'not a JSON-RPC 2.0 message';
      this.#reject(id, RPC_ERROR.InvalidRequest, `invalid request: ${what}`);
      return;
    }
    this.onmessage?.(parsed.data);
  }

  #reject(id: string | number | null, code: number, message: string): void {
    void this.send(errorMessage(id, new ProtocolError(code, message)) as JSONRPCMessage);
  }
}
