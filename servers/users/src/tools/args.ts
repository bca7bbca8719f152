import { numericId } from '@mcp-stack/core';
import { z } from 'zod';

// The users API's own rules (services/users-api/src/schemas.ts), so an agent learns them from the
// schema before a call rather than from a refusal after it.

/** A user id argument, as the other tools return it: a number, or its digits as a string. */
export const UserIdArg = numericId('the user id, as register_user or list_users return it (42 or "42")', {
  what: 'a user id',
});

const USERNAME_RULE = '3 to 32 characters of a-z, 0-9, _, . or -';

export const UsernameArg = z
  .string()
  .regex(/^[a-z0-9_.-]{3,32}$/, { error: `expected ${USERNAME_RULE}` })
  .describe(`the login name: ${USERNAME_RULE}; unique`);

export const EmailArg = z
  .email({ error: 'expected an email address like name@example.com' })
  .max(254, { error: 'expected at most 254 characters' });

/** Half of a UTF-16 pair with no other half: the API refuses it (it would hash as U+FFFD). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const PasswordArg = z
  .string()
  .min(8, { error: 'expected at least 8 characters' })
  .max(1024, { error: 'expected at most 1024 characters' })
  .refine((value) => !LONE_SURROGATE.test(value), {
    error: 'must not contain a lone surrogate (half of a UTF-16 pair)',
  });
