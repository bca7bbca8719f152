import { describe, expect, it } from 'vitest';
import { secureRandomInt } from './random.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;
const SPAN = 2 ** 48;

/** Draws `n` values from [min, max], checking each is a safe integer in range; the distinct values seen. */
function draw(min: number, max: number, n: number): Set<number> {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const value = secureRandomInt(min, max);
    expect(Number.isSafeInteger(value), `${value}`).toBe(true);
    expect(value).toBeGreaterThanOrEqual(min);
    expect(value).toBeLessThanOrEqual(max);
    seen.add(value);
  }
  return seen;
}

describe('secureRandomInt at the edges of the safe-integer range', () => {
  it('answers min = max at both ends of the range', () => {
    expect(secureRandomInt(MAX, MAX)).toBe(MAX);
    expect(secureRandomInt(MIN, MIN)).toBe(MIN);
    expect(secureRandomInt(0, 0)).toBe(0);
  });

  it('reaches every value of a small span ending at MAX_SAFE_INTEGER or starting at MIN_SAFE_INTEGER', () => {
    expect([...draw(MAX - 2, MAX, 600)].sort((a, b) => a - b)).toEqual([MAX - 2, MAX - 1, MAX]);
    expect([...draw(MIN, MIN + 2, 600)].sort((a, b) => a - b)).toEqual([MIN, MIN + 1, MIN + 2]);
  });

  it('draws spans of 2^48 - 1, 2^48 and 2^48 + 1 values against the top and the bottom', () => {
    for (const span of [SPAN - 1, SPAN, SPAN + 1]) {
      draw(MAX - span + 1, MAX, 200);
      draw(MIN, MIN + span - 1, 200);
      draw(-Math.floor(span / 2), span - 1 - Math.floor(span / 2), 200);
    }
  });

  it('draws the whole safe-integer range', () => {
    const seen = draw(MIN, MAX, 200);
    // 200 draws from 2^54 values: all distinct, and on both sides of zero
    expect(seen.size).toBe(200);
    expect([...seen].some((v) => v < 0) && [...seen].some((v) => v > 0)).toBe(true);
  });

  it('has no bias towards either half of a span at the top of the range', () => {
    // a value in the upper half of [MAX - 2^48, MAX] half the time: 4000 draws, 6 sigma is ±190
    for (const span of [SPAN, SPAN + 1]) {
      const min = MAX - span + 1;
      const middle = min + Math.floor(span / 2);
      let upper = 0;
      for (let i = 0; i < 4_000; i++) if (secureRandomInt(min, MAX) >= middle) upper++;
      expect(Math.abs(upper - 2_000)).toBeLessThan(190);
    }
  });

  it('is uniform over a small span (chi-squared, 10 values)', () => {
    const counts = new Array<number>(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const slot = secureRandomInt(MAX - 9, MAX) - (MAX - 9);
      counts[slot] = (counts[slot] ?? 0) + 1;
    }
    const expected = n / 10;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: p < 1e-6 above ~41
    expect(chi2).toBeLessThan(41);
  });
});
