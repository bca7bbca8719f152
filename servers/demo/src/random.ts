import { randomInt } from 'node:crypto';

/** An integer in [min, max], both inclusive and safe integers, from a secure generator. */
export type RandomInt = (min: number, max: number) => number;

/** crypto.randomInt draws from spans (max - min) of at most 2^48 - 1. */
const RANDOM_INT_SPAN = 2 ** 48;

/**
 * Every integer in [min, max] equally likely. Spans below 2^48 are drawn by crypto.randomInt as an
 * offset from `min` (so `max + 1` never has to be a safe integer: max may be MAX_SAFE_INTEGER);
 * wider spans, up to the whole safe-integer range, are drawn as 64-bit values from the same
 * secure source, with rejection so no value is favoured.
 */
export const secureRandomInt: RandomInt = (min, max) => {
  const span = max - min + 1; // exact below 2^53, which is all that is compared here
  if (span < RANDOM_INT_SPAN) return min + randomInt(span);
  const range = BigInt(max) - BigInt(min) + 1n;
  const limit = (1n << 64n) - ((1n << 64n) % range);
  const buffer = new BigUint64Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const draw = buffer[0] as bigint;
    if (draw < limit) return Number(BigInt(min) + (draw % range));
  }
};
