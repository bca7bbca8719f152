import { AppError, defineResourceTemplate } from '@mcp-stack/core';

/** How many numbers `resources/list` offers (demo://numbers/1 … /100), a page at a time. */
export const LISTED_NUMBERS = 100;
const PAGE = 25;

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Facts about n: a template resource with listing (paginated) and completion of n. */
export function numbersResource() {
  return defineResourceTemplate({
    uriTemplate: 'demo://numbers/{n}',
    name: 'number',
    title: 'A number',
    description: 'Facts about a whole number n from 0 to 1,000,000: square, parity, primality, binary.',
    mimeType: 'application/json',
    list: (cursor) => {
      const start = cursor === undefined ? 1 : Number(cursor);
      if (!Number.isInteger(start) || start < 1 || start > LISTED_NUMBERS) {
        throw new AppError('INVALID_INPUT', 'invalid cursor for demo://numbers');
      }
      const end = Math.min(start + PAGE - 1, LISTED_NUMBERS);
      const resources = [];
      for (let n = start; n <= end; n++) resources.push({ uri: `demo://numbers/${n}`, name: `number ${n}` });
      return end < LISTED_NUMBERS ? { resources, nextCursor: String(end + 1) } : { resources };
    },
    complete: {
      n: (prefix) => {
        if (!/^\d{0,7}$/.test(prefix)) return [];
        const values: string[] = [];
        for (let n = 1; n <= LISTED_NUMBERS && values.length < 100; n++) {
          if (String(n).startsWith(prefix)) values.push(String(n));
        }
        return values;
      },
    },
    read: ({ n = '' }) => {
      if (!/^\d{1,7}$/.test(n) || Number(n) > 1_000_000) {
        throw new AppError(
          'NOT_FOUND',
          `demo://numbers/${n} does not exist: n must be a whole number from 0 to 1000000`,
        );
      }
      const value = Number(n);
      return {
        json: {
          n: value,
          square: value * value,
          even: value % 2 === 0,
          prime: isPrime(value),
          binary: value.toString(2),
        },
      };
    },
  });
}
