import { AppError, defineTool } from '@mcp-stack/core';
import { User } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';
import { EmailArg, PasswordArg, UserIdArg } from './args.ts';

export function updateUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'update_user',
    title: "Change a user's email or password",
    description:
      "Changes a user's email and/or password (the username cannot change) and returns the user. The old values are replaced for good. Fails with NOT_FOUND for an unknown user and CONFLICT when the email is taken. Setting the same values again changes nothing more.",
    input: {
      user_id: UserIdArg,
      email: EmailArg.optional().describe('the new email address; unique, case-insensitively'),
      password: PasswordArg.optional().describe(
        'the new password, 8 to 1024 characters; never echoed or logged',
      ),
    },
    output: User,
    // overwrites: the old email and password are gone
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    scopes: ['users:write'],
    handler: async ({ user_id, email, password }, ctx) => {
      if (email === undefined && password === undefined) {
        throw new AppError('INVALID_INPUT', 'nothing to change: give email and/or password', {
          details: { fields: ['email', 'password'] },
        });
      }
      const user = await api.update(user_id, { email, password }, ctx.signal);
      const changed = [email !== undefined && 'email', password !== undefined && 'password'].filter(Boolean);
      ctx.logger.info({ tool: 'update_user', user_id, changed }, 'user updated');
      return user;
    },
  });
}
