import { AppError } from '@mcp-stack/core';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { PasswordHasher } from './passwords.ts';
import type { UsersRepository } from './repository.ts';
import type { ListInput, RegisterInput, UpdateInput, UserPage, UserRecord } from './schemas.ts';

export interface UsersService {
  register(input: RegisterInput): Promise<UserRecord>;
  /** The user's id when the password is right; undefined otherwise (also for an unknown user). */
  verify(username: string, password: string): Promise<number | undefined>;
  get(id: number): UserRecord;
  list(input: ListInput): UserPage;
  update(id: number, input: UpdateInput): Promise<UserRecord>;
  remove(id: number): void;
}

/** What the routes do, on the repository and the password hasher; errors are AppErrors. */
export function createUsersService(deps: {
  repository: UsersRepository;
  passwords: PasswordHasher;
}): UsersService {
  const { repository, passwords } = deps;
  const notFound = (id: number) =>
    new AppError('NOT_FOUND', `no user with id ${id}`, { details: { field: 'id' } });
  return {
    async register({ username, email, password }) {
      return repository.insert({ username, email, passwordHash: await passwords.hash(password) });
    },
    async verify(username, password) {
      const found = repository.credentials(username);
      if (!found) return passwords.verifyUnknown(password).then(() => undefined);
      return (await passwords.verify(password, found.passwordHash)) ? found.id : undefined;
    },
    get(id) {
      const user = repository.get(id);
      if (!user) throw notFound(id);
      return user;
    },
    list({ limit, cursor, q }) {
      const afterId = cursor === undefined ? undefined : decodeCursor(cursor);
      const { users, more } = repository.page({ limit, afterId, search: q });
      const last = users.at(-1);
      return { users, next_cursor: more && last ? encodeCursor(last.id) : null };
    },
    async update(id, { email, password }) {
      if (!repository.get(id)) throw notFound(id);
      const passwordHash = password === undefined ? undefined : await passwords.hash(password);
      const user = repository.update(id, { email, passwordHash });
      if (!user) throw notFound(id);
      return user;
    },
    remove(id) {
      if (!repository.remove(id)) throw notFound(id);
    },
  };
}
