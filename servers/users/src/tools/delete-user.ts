import { confirmWithPerson, defineTool } from '@mcp-stack/core';
import { Deleted } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';
import { UserIdArg } from './args.ts';

export function deleteUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'delete_user',
    title: 'Delete a user',
    description:
      'Deletes a user for good and returns { id, deleted: true }; this cannot be undone. When the client can ask the person (elicitation), ' +
      'they are asked to confirm first, and a refusal fails with CANCELLED, nothing deleted. Fails with ' +
      'NOT_FOUND when there is no such user (also when it was already deleted).',
    input: { user_id: UserIdArg },
    output: Deleted,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    scopes: ['users:write'],
    handler: async ({ user_id }, ctx) => {
      if (ctx.canAsk('elicitation')) {
        // the person sees who they are deleting; a user that does not exist is NOT_FOUND before
        // any question (a client that cannot be asked costs no extra call to the API)
        const user = await api.get(user_id, ctx.signal);
        await confirmWithPerson(
          ctx,
          'confirm_delete_user',
          `Delete user ${user.id} (${user.username}, ${user.email}) for good? This cannot be undone.`,
        );
      }
      await api.remove(user_id, ctx.signal);
      ctx.logger.info({ tool: 'delete_user', user_id }, 'user deleted');
      return { id: user_id, deleted: true as const };
    },
  });
}
