// The public API of @mcp-stack/users-api, by name.

export { createUsersApi, type UsersApi, type UsersApiOptions } from './app.ts';
export { type Db, migrate, type OpenDatabaseOptions, openDatabase } from './database.ts';
export { buildOpenApi } from './openapi.ts';
export { type BinConfig, defaultDbPath, parseBinArgs } from './options.ts';
export {
  createPasswordHasher,
  DEFAULT_SCRYPT,
  type PasswordHasher,
  type PasswordHasherOptions,
  parseHash,
  type ScryptParams,
} from './passwords.ts';
export {
  createUsersRepository,
  likePattern,
  type NewUser,
  type PageRequest,
  type RepositoryOptions,
  type UserChanges,
  type UsersRepository,
} from './repository.ts';
export {
  ErrorBody,
  ListQuery,
  RegisterRequest,
  UpdateRequest,
  User,
  UserList,
  type UserPage,
  type UserRecord,
  Verified,
  VerifyRequest,
} from './schemas.ts';
export { type RunningUsersApi, type StartUsersApiOptions, startUsersApi } from './serve.ts';
export { createUsersService, type UsersService } from './service.ts';
export { VERSION } from './version.ts';
