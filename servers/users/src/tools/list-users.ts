import { defineTool } from '@mcp-stack/core';
import { z } from 'zod';
import { UserList } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';

export function listUsersTool(api: UsersApiClient) {
  return defineTool({
    name: 'list_users',
    title: 'List or search users',
    description:
      'Users a page at a time, oldest first. Pass query to keep users whose username or email contains it (case-insensitive). When next_cursor is not null, call again with it as cursor for the next page.',
    input: {
      limit: z.number().int().min(1).max(100).default(20).describe('users per page, 1 to 100'),
      cursor: z.string().min(1).max(200).optional().describe('next_cursor from the previous page, unchanged'),
      query: z
        .string()
        .min(1)
        .max(100)
        .refine((value) => !/\p{Cc}/u.test(value), {
          error: 'must not contain control characters (NUL, tab, newline…): no username or email has one',
        })
        .optional()
        .describe('text the username or email contains (no control characters)'),
    },
    output: UserList,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    scopes: ['users:read'],
    handler: ({ limit, cursor, query }, ctx) => api.list({ limit, cursor, query }, ctx.signal),
  });
}
