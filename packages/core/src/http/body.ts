import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { type JsonTextScan, scanJsonShape, withinJsonLimitsByCount } from '../json-limits.ts';
import { refusalIdOf } from '../jsonrpc.ts';
import { ProtocolError, protocolError, RPC_ERROR } from '../protocol-error.ts';

/** A body refused for its shape (json-limits.ts), answered with the request's id when it has one. */
export class MessageShapeError extends ProtocolError {
  readonly requestId: string | number | null;
  constructor(message: string, requestId: string | number | null) {
    super(RPC_ERROR.InvalidRequest, message, { reason: 'shape' });
    this.requestId = requestId;
  }
}

/**
 * The id to answer a body refused unparsed with: a request's (its `method` seen before the scan
 * stopped), parsed alone from the text `scanJsonShape` found it in; null when there is none.
 */
function idFromText(text: string, scan: JsonTextScan): string | number | null {
  if (!scan.id || !scan.method) return null;
  try {
    return refusalIdOf({ method: '', id: JSON.parse(text.slice(scan.id[0], scan.id[1])) });
  } catch {
    return null;
  }
}

/** Bodies this large are parsed one per turn of the event loop (see `onItsTurn`). */
const LARGE_BODY_BYTES = 64 * 1024;
const largeBodies: Array<() => void> = [];
let turnScheduled = false;

/**
 * Runs `job` in a turn of the event loop of its own, after the jobs before it. Ten maximum-size
 * bodies ending at once would otherwise be parsed, checked and refused one after another before
 * any other request is read: an ordinary call on another connection waited seconds. One per turn,
 * every other request gets its turn in between.
 */
function onItsTurn(job: () => void): void {
  largeBodies.push(job);
  if (!turnScheduled) {
    turnScheduled = true;
    setImmediate(nextLargeBody);
  }
}

function nextLargeBody(): void {
  try {
    largeBodies.shift()?.();
  } finally {
    // a new immediate runs in the next turn, after the I/O that came meanwhile
    if (largeBodies.length > 0) setImmediate(nextLargeBody);
    else turnScheduled = false;
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
    // Decoded as it arrives, never gathered into one buffer: a 4 MiB body held as 64 chunks and
    // then copied whole by Buffer.concat took twice its size from the C allocator, which keeps
    // what it was once given (docs/reliability.md, the soak). A string lives in V8's heap, whose
    // large objects go back to the system once collected. Most bodies come in one chunk: that
    // one is decoded at the end; a second chunk starts the decoder.
    let first: Buffer | undefined;
    let decoder: StringDecoder | undefined;
    let text = '';
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        first = undefined;
        text = '';
        reject(tooLarge());
        return;
      }
      if (size === chunk.length) {
        first = chunk;
        return;
      }
      if (!decoder) {
        decoder = new StringDecoder('utf8');
        text = decoder.write(first as Buffer);
        first = undefined;
      }
      text += decoder.write(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      if (decoder) text += decoder.end();
      else if (first) text = first.toString('utf8');
      first = undefined;
      const parse = () => {
        try {
          resolve(parseBody(text));
        } catch (error) {
          reject(error);
        }
      };
      if (size >= LARGE_BODY_BYTES) onItsTurn(parse);
      else parse();
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      first = undefined;
      text = '';
      reject(error);
    });
  });
}

/**
 * A body as one JSON-RPC message: its shape checked on the text (refused unparsed when over a
 * bound, with its id when the id came before the bound), then parsed.
 */
function parseBody(text: string): unknown {
  if (!withinJsonLimitsByCount(text)) {
    const scan = scanJsonShape(text);
    if (scan.problem) throw new MessageShapeError(`invalid request: ${scan.problem}`, idFromText(text, scan));
  }
  if (text.trim() === '')
    throw protocolError('ParseError', 'parse error: the body is empty', { reason: 'empty' });
  try {
    return JSON.parse(text);
  } catch {
    throw protocolError('ParseError', 'parse error: the body is not valid JSON', { reason: 'invalid' });
  }
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
