import { randomInt } from 'node:crypto';

/** An integer in [min, max], both inclusive and safe integers, from a secure generator. */
export type RandomInt = (min: number, max: number) => number;

const SPAN_LIMIT = 2 ** 48;

/**
 * crypto.randomInt covers spans below 2^48; wider spans (up to the whole safe-integer range) are
 * drawn as 64-bit values from the same secure source, with rejection so every value is equally
 * likely.
 */
export const secureRandomInt: RandomInt = (min, max) => {
  const span = max - min + 1;
  if (span <= SPAN_LIMIT) return randomInt(min, max + 1);
  const range = BigInt(max) - BigInt(min) + 1n;
  const limit = (1n << 64n) - ((1n << 64n) % range);
  const buffer = new BigUint64Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const draw = buffer[0] as bigint;
    if (draw < limit) return Number(BigInt(min) + (draw % range));
  }
};
