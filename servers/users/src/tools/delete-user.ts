import { defineTool } from '@mcp-stack/core';
import { Deleted } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';
import { UserIdArg } from './args.ts';

export function deleteUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'delete_user',
    title: 'Delete a user',
    description:
      'Deletes a user for good; this cannot be undone. Fails with NOT_FOUND when there is no such user (also when it was already deleted).',
    input: { user_id: UserIdArg },
    output: Deleted,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    scopes: ['users:write'],
    handler: async ({ user_id }, ctx) => {
      await api.remove(user_id, ctx.signal);
      ctx.logger.info({ tool: 'delete_user', user_id }, 'user deleted');
      return { id: user_id, deleted: true as const };
    },
  });
}
