import { defineServer, type ServerDefinition } from '@mcp-stack/core';
import { deleteUserTool } from './tools/delete-user.ts';
import { getUserTool } from './tools/get-user.ts';
import { listUsersTool } from './tools/list-users.ts';
import { registerUserTool } from './tools/register-user.ts';
import { updateUserTool } from './tools/update-user.ts';
import type { UsersApiClient } from './users-api.ts';
import { VERSION } from './version.ts';

/** The users MCP server over a users API client (real, or one pointed at a mock in tests). */
export function createUsersServer(deps: { api: UsersApiClient }): ServerDefinition {
  const { api } = deps;
  return defineServer({
    name: 'users',
    title: 'Users',
    version: VERSION,
    instructions:
      'Manage the user accounts of a users REST API. Find a user with list_users (query matches username or email) to get its id, then use get_user, update_user or delete_user with that id. register_user creates an account. Passwords are write-only: no tool returns one. delete_user cannot be undone: confirm with the person first.',
    tools: [
      registerUserTool(api),
      getUserTool(api),
      listUsersTool(api),
      updateUserTool(api),
      deleteUserTool(api),
    ],
    readiness: { 'users-api': (signal) => api.health(signal) },
  });
}
