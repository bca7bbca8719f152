import { defineTool } from '@mcp-stack/core';
import { User } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';
import { UserIdArg } from './args.ts';

export function getUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'get_user',
    title: 'Get a user',
    description:
      'One user by id: id, username, email and created_at (never the password). Fails with NOT_FOUND when there is no such user; find ids with list_users.',
    input: { user_id: UserIdArg },
    output: User,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    scopes: ['users:read'],
    handler: ({ user_id }, ctx) => api.get(user_id, ctx.signal),
  });
}
