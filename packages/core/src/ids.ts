import { z } from 'zod';

// The agent contract's one id convention: where an id is a number, an argument takes it as a JSON
// number (42) or as a string of digits ("42"), since clients send either (the MCP Inspector CLI
// sends `order_id=1234` as a number; a model copying an id out of text sends a string).

const DIGITS = /^[0-9]{1,16}$/;

/** The pattern the string form of a numeric id matches in the listed JSON Schema. */
export const NUMERIC_ID_PATTERN = DIGITS.source;

function expected(what: string): string {
  return `expected ${what}: a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, as a number (42) or a string of digits ("42")`;
}

/**
 * A numeric id argument, accepted as a JSON number or a digit string and given to the handler as a
 * number (`as: 'number'`, the default) or as its canonical digit string (`as: 'string'`, no
 * leading zeros) for a store that keys by text. Listed as `anyOf: [integer, string of digits]`.
 */
export function numericId(
  description: string,
  options?: { as?: 'number'; what?: string },
): z.ZodType<number, number | string>;
export function numericId(
  description: string,
  options: { as: 'string'; what?: string },
): z.ZodType<string, number | string>;
export function numericId(
  description: string,
  options: { as?: 'number' | 'string'; what?: string } = {},
): z.ZodType<number | string, number | string> {
  const message = expected(options.what ?? 'an id');
  const id = z
    .union(
      [
        z
          .number({ error: message })
          .int({ error: message })
          .min(1, { error: message })
          .max(Number.MAX_SAFE_INTEGER, { error: message }),
        z.string({ error: message }).regex(DIGITS, { error: message }),
      ],
      { error: message },
    )
    .transform((value, ctx) => {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isSafeInteger(n) || n < 1) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return options.as === 'string' ? String(n) : n;
    });
  return id.describe(description) as unknown as z.ZodType<number | string, number | string>;
}
