import type { IncomingMessage } from 'node:http';
import { jsonShapeProblem } from '../json-limits.ts';
import { refusalIdOf } from '../jsonrpc.ts';
import { ProtocolError, protocolError, RPC_ERROR } from '../protocol-error.ts';

/** A body refused for its shape (json-limits.ts), answered with the request's id when it has one. */
export class MessageShapeError extends ProtocolError {
  readonly requestId: string | number | null;
  constructor(message: string, value: unknown) {
    super(RPC_ERROR.InvalidRequest, message, { reason: 'shape' });
    this.requestId = refusalIdOf(value);
  }
}

/**
 * The request body parsed as JSON, at most `maxBytes` (checked against Content-Length at once,
 * and while reading, so a chunked body cannot get past it). A body already parsed by a framework
 * (express.json()) is taken as it is. Fails with `BodyTooLargeError`, or a parse-error
 * ProtocolError whose `data.reason` is `empty` or `invalid`.
 */
export class BodyTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`request body larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && !(parsed instanceof Buffer) && typeof parsed !== 'string')
    return Promise.resolve(parsed);
  const tooLarge = () => new BodyTooLargeError(maxBytes);
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (text.trim() === '') {
        reject(protocolError('ParseError', 'parse error: the body is empty', { reason: 'empty' }));
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        reject(protocolError('ParseError', 'parse error: the body is not valid JSON', { reason: 'invalid' }));
        return;
      }
      const problem = jsonShapeProblem(value);
      if (problem) reject(new MessageShapeError(`invalid request: ${problem}`, value));
      else resolve(value);
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

/** How long the rest of an oversized body is read (and dropped) after the 413, at most. */
const OVERSIZED_LINGER_MS = 5_000;

/**
 * The 413 goes out at once, but the connection is not closed under a client still sending: its
 * next write would meet a reset, and most clients (fetch among them) then report the reset
 * instead of the 413 already waiting for them. The rest of the body is read and dropped until it
 * ends (the connection is then reused as usual), or the socket is closed after
 * OVERSIZED_LINGER_MS, so a body announced huge and never sent holds nothing for long.
 */
export function lingerOnOversizedBody(req: IncomingMessage): void {
  if (req.complete) return;
  req.resume();
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), OVERSIZED_LINGER_MS);
  timer.unref();
  const done = () => clearTimeout(timer);
  req.once('end', done);
  socket.once('close', done);
}
