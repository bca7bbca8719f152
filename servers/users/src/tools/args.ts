import { z } from 'zod';

/** A user id argument, as the other tools return it. */
export const UserIdArg = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('the user id (an integer), as register_user or list_users return it');
