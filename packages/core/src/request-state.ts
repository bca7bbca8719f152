// The `requestState` of an input-required result (basic/patterns/mrtr.mdx): what a handler needs
// to resume, carried by the client between the two rounds so that nothing of a pending question
// lives in the process and any replica can take the retry. The client must not be able to change
// it, reuse it for another caller or another request, or keep it forever: it is signed (HMAC-SHA256)
// over the payload, the caller, the request it belongs to and an expiry, and bounded in size
// before any work is done on it. Issue 16 wires it into the engine.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a `requestState` was refused; said to the client, which should send the request again without it. */
export type RequestStateProblem =
  | 'malformed'
  | 'too_large'
  | 'bad_signature'
  | 'expired'
  | 'other_caller'
  | 'other_request';

export class RequestStateError extends Error {
  readonly problem: RequestStateProblem;
  constructor(problem: RequestStateProblem, message: string) {
    super(`requestState ${message}: send the request again without requestState and inputResponses`);
    this.name = 'RequestStateError';
    this.problem = problem;
  }
}

export interface RequestStateOptions {
  /**
   * Signing keys, newest first: the first signs, any verifies (so a key can be rotated without
   * refusing states in flight). Replicas must share them; default one random per-process key,
   * which only suits a single process.
   */
  keys?: ReadonlyArray<Uint8Array | string>;
  /** How long a state stays good (default 10 minutes: a person answering a question). */
  ttlMs?: number;
  /** Largest encoded state accepted or produced (default 16 KiB). */
  maxBytes?: number;
  now?: () => number;
}

/** What a state is bound to: who asked, and which request (method and what it was about). */
export interface RequestBinding {
  /** The caller's identity (key id, token subject), or '' when anonymous. */
  caller: string;
  method: string;
  /** The request's salient parameters (tool name and arguments, URI, prompt name and arguments). */
  params: unknown;
}

export interface RequestStateCodec {
  seal(data: unknown, binding: RequestBinding): string;
  /** The data sealed for this binding; throws `RequestStateError` for anything else. */
  open(state: unknown, binding: RequestBinding): unknown;
}

const VERSION = 'v1';

/** JSON with object keys sorted at every level: the same parameters always digest the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function digest(binding: RequestBinding): string {
  return createHash('sha256')
    .update(`${binding.method}\n${canonical(binding.params)}`)
    .digest('base64url');
}

function callerTag(caller: string): string {
  return createHash('sha256').update(`caller\n${caller}`).digest('base64url').slice(0, 22);
}

export function createRequestStateCodec(options: RequestStateOptions = {}): RequestStateCodec {
  const keys = (options.keys?.length ? options.keys : [randomBytes(32)]).map((key) =>
    typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key),
  );
  for (const key of keys) {
    if (key.length < 32) throw new RangeError('a requestState key needs at least 32 bytes');
  }
  const ttlMs = options.ttlMs ?? 600_000;
  const maxBytes = options.maxBytes ?? 16 * 1024;
  const now = options.now ?? Date.now;
  const sign = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest();

  return {
    seal(data, binding) {
      const payload = Buffer.from(
        JSON.stringify({ d: data, c: callerTag(binding.caller), r: digest(binding), e: now() + ttlMs }),
        'utf8',
      ).toString('base64url');
      const body = `${VERSION}.${payload}`;
      const state = `${body}.${sign(keys[0] as Buffer, body).toString('base64url')}`;
      if (state.length > maxBytes)
        throw new RangeError(`requestState of ${state.length} bytes is over the ${maxBytes}-byte bound`);
      return state;
    },
    open(state, binding) {
      if (typeof state !== 'string') throw new RequestStateError('malformed', 'is not a string');
      if (state.length > maxBytes) throw new RequestStateError('too_large', `is over ${maxBytes} bytes`);
      const parts = state.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION)
        throw new RequestStateError('malformed', 'is not one this server issued');
      const body = `${parts[0]}.${parts[1]}`;
      const given = Buffer.from(parts[2] as string, 'base64url');
      // every key is tried, in constant time each: which one matched says nothing to a prober
      const signed = keys.some((key) => {
        const expected = sign(key, body);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!signed)
        throw new RequestStateError('bad_signature', 'was changed, or was not issued by this server');
      let claims: { d?: unknown; c?: unknown; r?: unknown; e?: unknown };
      try {
        claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
      } catch {
        throw new RequestStateError('malformed', 'is not one this server issued');
      }
      if (typeof claims.e !== 'number' || now() > claims.e)
        throw new RequestStateError('expired', 'has expired');
      if (claims.c !== callerTag(binding.caller))
        throw new RequestStateError('other_caller', 'was issued to another caller');
      if (claims.r !== digest(binding))
        throw new RequestStateError(
          'other_request',
          'belongs to another request (method or arguments differ)',
        );
      return claims.d;
    },
  };
}
