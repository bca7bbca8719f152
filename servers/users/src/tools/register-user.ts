import { defineTool } from '@mcp-stack/core';
import { z } from 'zod';
import { User } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';

export function registerUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'register_user',
    title: 'Register a user',
    description:
      'Creates a user account. Fails with CONFLICT when the username or email is taken and INVALID_INPUT naming the field the users API refused. The password is stored hashed and never returned.',
    input: {
      username: z.string().min(1).max(64).describe('3 to 32 characters of a-z, 0-9, _, . or -; unique'),
      email: z.string().min(1).max(254).describe('a valid email address; unique, case-insensitively'),
      password: z.string().min(1).max(1024).describe('at least 8 characters; never echoed or logged'),
    },
    output: User,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    scopes: ['users:write'],
    handler: async ({ username, email, password }, ctx) => {
      const user = await api.register({ username, email, password }, ctx.signal);
      ctx.logger.info({ tool: 'register_user', user_id: user.id }, 'user registered');
      return user;
    },
  });
}
