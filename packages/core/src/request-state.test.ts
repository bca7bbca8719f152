import { describe, expect, it } from 'vitest';
import { createRequestStateCodec, type RequestBinding, RequestStateError } from './request-state.ts';

const KEY = 'k'.repeat(32);
const BINDING: RequestBinding = {
  caller: 'agent-1',
  method: 'tools/call',
  params: { name: 'delete_user', arguments: { user_id: 42, reason: 'asked' } },
};
const DATA = { asked: ['confirm'], step: 1 };

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestStateError) return error.problem;
    throw error;
  }
  return 'accepted';
}

/** The state with one character of its payload changed (still valid base64url). */
function tampered(state: string): string {
  const [version, payload, signature] = state.split('.') as [string, string, string];
  const i = Math.floor(payload.length / 2);
  const flipped = payload[i] === 'A' ? 'B' : 'A';
  return `${version}.${payload.slice(0, i)}${flipped}${payload.slice(i + 1)}.${signature}`;
}

describe('requestState: signed, bound, bounded', () => {
  it('gives back what was sealed, for the same caller and request, whatever the order of the arguments', () => {
    const codec = createRequestStateCodec({ keys: [KEY] });
    const state = codec.seal(DATA, BINDING);
    expect(codec.open(state, BINDING)).toEqual(DATA);
    const reordered = {
      ...BINDING,
      params: { arguments: { reason: 'asked', user_id: 42 }, name: 'delete_user' },
    };
    expect(codec.open(state, reordered)).toEqual(DATA);
  });

  it('refuses a forged, truncated or foreign state, saying what to do', () => {
    const codec = createRequestStateCodec({ keys: [KEY] });
    const state = codec.seal(DATA, BINDING);
    expect(problemOf(() => codec.open(tampered(state), BINDING))).toBe('bad_signature');
    expect(problemOf(() => codec.open(state.slice(0, -5), BINDING))).toBe('bad_signature');
    expect(problemOf(() => codec.open(state.slice(0, state.lastIndexOf('.')), BINDING))).toBe('malformed');
    expect(problemOf(() => codec.open('', BINDING))).toBe('malformed');
    expect(problemOf(() => codec.open(42, BINDING))).toBe('malformed');
    // issued by another server (another key): a signature this one cannot have made
    const other = createRequestStateCodec({ keys: ['o'.repeat(32)] }).seal(DATA, BINDING);
    expect(problemOf(() => codec.open(other, BINDING))).toBe('bad_signature');
    // a forged payload signed with nothing
    const forged = `v1.${Buffer.from(JSON.stringify({ d: { admin: true } })).toString('base64url')}.`;
    expect(problemOf(() => codec.open(forged, BINDING))).toBe('bad_signature');
    expect(() => codec.open(tampered(state), BINDING)).toThrow(
      'send the request again without requestState and inputResponses',
    );
  });

  it('refuses a state presented by another caller, or on another request', () => {
    const codec = createRequestStateCodec({ keys: [KEY] });
    const state = codec.seal(DATA, BINDING);
    expect(problemOf(() => codec.open(state, { ...BINDING, caller: 'agent-2' }))).toBe('other_caller');
    expect(problemOf(() => codec.open(state, { ...BINDING, caller: '' }))).toBe('other_caller');
    expect(problemOf(() => codec.open(state, { ...BINDING, method: 'prompts/get' }))).toBe('other_request');
    const otherUser = {
      ...BINDING,
      params: { name: 'delete_user', arguments: { user_id: 43, reason: 'asked' } },
    };
    expect(problemOf(() => codec.open(state, otherUser))).toBe('other_request');
  });

  it('expires', () => {
    let now = 1_000_000;
    const codec = createRequestStateCodec({ keys: [KEY], ttlMs: 60_000, now: () => now });
    const state = codec.seal(DATA, BINDING);
    now += 60_000;
    expect(codec.open(state, BINDING)).toEqual(DATA);
    now += 1;
    expect(problemOf(() => codec.open(state, BINDING))).toBe('expired');
  });

  it('bounds the size before any work on it, and refuses to issue a state over the bound', () => {
    const codec = createRequestStateCodec({ keys: [KEY], maxBytes: 1_024 });
    expect(problemOf(() => codec.open(`v1.${'A'.repeat(10_000_000)}.x`, BINDING))).toBe('too_large');
    expect(() => codec.seal({ blob: 'x'.repeat(2_000) }, BINDING)).toThrow(/over the 1024-byte bound/);
  });

  it('rotates keys: the newest signs, the older still verifies until it is dropped', () => {
    const old = 'o'.repeat(32);
    const issuedBefore = createRequestStateCodec({ keys: [old] }).seal(DATA, BINDING);
    const rotated = createRequestStateCodec({ keys: [KEY, old] });
    expect(rotated.open(issuedBefore, BINDING)).toEqual(DATA);
    expect(createRequestStateCodec({ keys: [KEY] }).open(rotated.seal(DATA, BINDING), BINDING)).toEqual(DATA);
    expect(problemOf(() => createRequestStateCodec({ keys: [KEY] }).open(issuedBefore, BINDING))).toBe(
      'bad_signature',
    );
  });

  it('refuses keys too short to sign with, and by default signs with a key of its own process', () => {
    expect(() => createRequestStateCodec({ keys: ['short'] })).toThrow(RangeError);
    const a = createRequestStateCodec();
    const b = createRequestStateCodec();
    expect(problemOf(() => b.open(a.seal(DATA, BINDING), BINDING))).toBe('bad_signature');
  });
});
