// The shapes tools and resources return, and the limits every text argument is checked against.
import { deceptiveText, numericId } from '@mcp-stack/core';
import { z } from 'zod';

export const CUSTOMER_STATUSES = ['active', 'inactive', 'blocked'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const ORDER_STATUSES = ['processing', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The order lifecycle: processing → shipped → delivered, and processing → cancelled. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, ReadonlyArray<OrderStatus>>> = {
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** Longest name stored (characters); the search index covers every one of them. */
export const NAME_MAX = 16_384;
/** RFC 5321's limit for a forward path. */
export const EMAIL_MAX = 254;
/** Longest search query (characters). */
export const QUERY_MAX = 16_384;
/** Most distinct words one search may combine (each is an index lookup). */
export const QUERY_TERMS_MAX = 64;
/**
 * Most candidates one search call examines when it filters what its index finds (by status, or
 * by terms with punctuation): past that, the page ends short with a next_cursor to go on from.
 */
export const SEARCH_WINDOW = 1_000;
export const ID_MAX = 32;

export const CustomerSchema = z.object({
  id: z.string().describe('customer id (digits, as a string)'),
  name: z.string(),
  email: z.string(),
  status: z.enum(CUSTOMER_STATUSES),
  created_at: z.string().describe('ISO 8601, UTC'),
  updated_at: z.string().describe('ISO 8601, UTC'),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const OrderSchema = z.object({
  id: z.string().describe('order id (digits, as a string)'),
  customer_id: z.string(),
  customer_name: z.string(),
  status: z.enum(ORDER_STATUSES),
  total_cents: z.number().int().describe('order total in the smallest unit of the currency'),
  currency: z.string().describe('ISO 4217 code, e.g. USD'),
  created_at: z.string().describe('ISO 8601, UTC'),
  updated_at: z.string().describe('ISO 8601, UTC'),
});
export type Order = z.infer<typeof OrderSchema>;

export const nextCursor = z
  .string()
  .nullable()
  .describe('pass as cursor to get the next page; null on the last page');

/** Refuses text that shows something other than what it holds (see core's `deceptiveText`). */
function shownAsStored<T extends z.ZodString>(schema: T) {
  return schema.superRefine((value, ctx) => {
    const problem = deceptiveText(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/**
 * A customer's name: not blank, at most NAME_MAX characters, nothing that shows other than it
 * is stored: no control characters, lone surrogates, bidirectional controls or invisible
 * characters (ZWNJ and ZWJ only inside a word or an emoji sequence).
 */
export const nameInput = shownAsStored(
  z
    .string()
    .max(NAME_MAX)
    .refine((v) => v.trim() !== '', 'must not be blank'),
);

/** Deliberately loose (one @, no spaces): quotes, %, + and _ are valid in the local part. */
export const emailInput = shownAsStored(
  z
    .string()
    .max(EMAIL_MAX)
    .regex(/^[^\s@]+@[^\s@]+$/u, 'expected an email address like name@example.com'),
);

/**
 * An id argument by the agent contract's convention: `1234` or `"1234"` both work (core's
 * `numericId`); the repository gets the canonical digit string.
 */
export const idInput = (what: 'customer' | 'order', example: string) =>
  numericId(`the ${what} id, as a number or its digits: ${example} or "${example}"`, {
    as: 'string',
    what: what === 'order' ? 'an order id' : 'a customer id',
  });

export const limitInput = z
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .describe('how many to return, 1-100 (default 20)');

export const cursorInput = z
  .string()
  .min(1)
  .max(512)
  .optional()
  .describe('next_cursor of the previous page, with the same filters; omit for the first page');
