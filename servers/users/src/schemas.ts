import { z } from 'zod';

// What the users API answers, and what the tools return: one set of schemas for both, so a tool
// returns exactly what it checked. Unknown fields from the API are dropped, never passed on.

export const User = z.object({
  id: z.number().int().describe('The user id; pass it as user_id to the other tools.'),
  username: z.string(),
  email: z.string(),
  created_at: z.string().describe('When the user registered, ISO 8601 in UTC.'),
});

export const UserList = z.object({
  users: z.array(User),
  next_cursor: z
    .string()
    .nullable()
    .describe('Pass as cursor to list_users for the next page; null on the last page.'),
});

export const Deleted = z.object({
  id: z.number().int(),
  deleted: z.literal(true),
});

export type UserRecord = z.output<typeof User>;
export type UserPage = z.output<typeof UserList>;
