// The public API of @mcp-stack/server-users, by name.

export { usersCli } from './cli.ts';
export { Deleted, User, UserList, type UserPage, type UserRecord } from './schemas.ts';
export { createUsersServer } from './server.ts';
export { type ApiRefusal, type CallContext, readRefusal, upstreamError } from './upstream-errors.ts';
export {
  createUsersApiClient,
  type ListRequest,
  type UsersApiClient,
  type UsersApiClientOptions,
} from './users-api.ts';
export { VERSION } from './version.ts';
