import { z } from 'zod';

// The API's one source of truth: requests are validated with these schemas and the OpenAPI
// document is generated from them (openapi.ts), so the two cannot drift apart.

const USERNAME_RULE = '3 to 32 characters of a-z, 0-9, _, . or -';

/** A whole number from a path or query string ("42"), documented as an integer. */
export function intFromString(min: number, max: number) {
  const message = `expected an integer from ${min} to ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value),
    z
      .number({ error: message })
      .int({ error: message })
      .min(min, { error: message })
      .max(max, { error: message }),
  );
}

export const Username = z
  .string({ error: `expected a string of ${USERNAME_RULE}` })
  .regex(/^[a-z0-9_.-]{3,32}$/, { error: `expected ${USERNAME_RULE}` })
  .describe(`Unique login name: ${USERNAME_RULE}.`);

export const Email = z
  .email({ error: 'expected an email address like name@example.com' })
  .max(254, { error: 'expected at most 254 characters' })
  .describe('Unique (case-insensitively) email address.');

/** Half of a UTF-16 pair with no other half: UTF-8 has no form for it, so it would become U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WHOLE_CHARACTERS = {
  error:
    'must not contain a lone surrogate (half of a UTF-16 pair): it would be hashed as U+FFFD, so other passwords would match it',
};

export const Password = z
  .string({ error: 'expected a string of at least 8 characters' })
  .min(8, { error: 'expected at least 8 characters' })
  .max(1024, { error: 'expected at most 1024 characters' })
  .refine((value) => !LONE_SURROGATE.test(value), WHOLE_CHARACTERS)
  .describe(
    'At least 8 characters, any Unicode but a lone surrogate. Stored only as a salted scrypt hash; never returned.',
  );

export const UserId = intFromString(1, Number.MAX_SAFE_INTEGER).describe('The user id (an integer).');

export const RegisterRequest = z.strictObject({ username: Username, email: Email, password: Password });

export const VerifyRequest = z.strictObject({
  username: z.string({ error: 'expected a string' }).min(1).max(64),
  password: z
    .string({ error: 'expected a string' })
    .min(1)
    .max(1024)
    .refine((value) => !LONE_SURROGATE.test(value), WHOLE_CHARACTERS),
});

export const UpdateRequest = z
  .strictObject({ email: Email.optional(), password: Password.optional() })
  .refine((body) => body.email !== undefined || body.password !== undefined, {
    error: 'nothing to change: give email and/or password',
  });

export const ListQuery = z.strictObject({
  // coerced rather than intFromString: zod documents a default only on a plain schema
  limit: z.coerce
    .number({ error: 'expected an integer from 1 to 100' })
    .int({ error: 'expected an integer from 1 to 100' })
    .min(1, { error: 'expected an integer from 1 to 100' })
    .max(100, { error: 'expected an integer from 1 to 100' })
    .default(20)
    .describe('Page size, 1 to 100 (default 20).'),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('The next_cursor of the previous page; opaque, pass it back unchanged.'),
  // a NUL would end SQLite's LIKE pattern early (`q=%00` matched every user); no username or
  // email has a control character, so a filter with one is a mistake, said as such
  q: z
    .string()
    .max(100, { error: 'expected at most 100 characters' })
    .refine((value) => !/\p{Cc}/u.test(value), {
      error: 'must not contain control characters (NUL, tab, newline…): no username or email has one',
    })
    .optional()
    .describe(
      'Only users whose username or email contains this text (case-insensitive; % and _ are literal; no control characters).',
    ),
});

export const UserPath = z.strictObject({ id: UserId });

export const User = z.object({
  id: z.number().int().describe('The user id.'),
  username: z.string(),
  email: z.string(),
  created_at: z.string().describe('When the user registered, ISO 8601 in UTC.'),
});

export const UserList = z.object({
  users: z.array(User),
  next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
});

export const Verified = z.object({ valid: z.literal(true), id: z.number().int() });

export const Health = z.object({ status: z.literal('ok') });

export const ErrorBody = z.object({
  error: z.object({
    code: z
      .string()
      .describe(
        'INVALID_INPUT, UNAUTHORIZED, NOT_FOUND, METHOD_NOT_ALLOWED, CONFLICT, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, UNAVAILABLE or INTERNAL',
      ),
    message: z.string().describe('What was wrong and what to do.'),
    field: z.string().optional().describe('The request field at fault, when there is one.'),
  }),
});

export type UserRecord = z.output<typeof User>;
export type UserPage = z.output<typeof UserList>;
export type RegisterInput = z.output<typeof RegisterRequest>;
export type UpdateInput = z.output<typeof UpdateRequest>;
export type ListInput = z.output<typeof ListQuery>;

/** Named schemas, listed under components.schemas of the OpenAPI document. */
export const REQUEST_COMPONENTS = { RegisterRequest, VerifyRequest, UpdateRequest } as const;
export const RESPONSE_COMPONENTS = { User, UserList, Verified, Health, Error: ErrorBody } as const;
