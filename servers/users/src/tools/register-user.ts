import { defineTool } from '@mcp-stack/core';
import { User } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';
import { EmailArg, PasswordArg, UsernameArg } from './args.ts';

export function registerUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'register_user',
    title: 'Register a user',
    description:
      'Creates a user account and returns it (id, username, email, created_at); use the id with get_user, update_user and delete_user. Fails with CONFLICT when the username or email is taken (the field is named) and INVALID_INPUT naming the field the users API refused. The password is stored hashed and never returned.',
    input: {
      username: UsernameArg,
      email: EmailArg.describe('a valid email address; unique, case-insensitively'),
      password: PasswordArg.describe('8 to 1024 characters; stored hashed, never echoed or logged'),
    },
    output: User,
    // the users API is this deployment's own service, not the open world
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    scopes: ['users:write'],
    handler: async ({ username, email, password }, ctx) => {
      const user = await api.register({ username, email, password }, ctx.signal);
      ctx.logger.info({ tool: 'register_user', user_id: user.id }, 'user registered');
      return user;
    },
  });
}
