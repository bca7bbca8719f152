import { AppError, defineTool } from '@mcp-stack/core';
import { z } from 'zod';
import { User } from '../schemas.ts';
import type { UsersApiClient } from '../users-api.ts';
import { UserIdArg } from './args.ts';

export function updateUserTool(api: UsersApiClient) {
  return defineTool({
    name: 'update_user',
    title: "Change a user's email or password",
    description:
      "Changes a user's email and/or password (the username cannot change). Fails with NOT_FOUND for an unknown user and CONFLICT when the email is taken. Setting the same values again changes nothing more.",
    input: {
      user_id: UserIdArg,
      email: z.string().min(1).max(254).optional().describe('the new email address'),
      password: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe('the new password, at least 8 characters; never echoed or logged'),
    },
    output: User,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    scopes: ['users:write'],
    handler: async ({ user_id, email, password }, ctx) => {
      if (email === undefined && password === undefined) {
        throw new AppError('INVALID_INPUT', 'nothing to change: give email and/or password', {
          details: { field: 'email' },
        });
      }
      const user = await api.update(user_id, { email, password }, ctx.signal);
      const changed = [email !== undefined && 'email', password !== undefined && 'password'].filter(Boolean);
      ctx.logger.info({ tool: 'update_user', user_id, changed }, 'user updated');
      return user;
    },
  });
}
