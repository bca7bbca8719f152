import { AppError } from '@mcp-stack/core';
import type { Db } from './database.ts';
import type { UserRecord } from './schemas.ts';

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
}

export interface UserChanges {
  email?: string | undefined;
  passwordHash?: string | undefined;
}

export interface PageRequest {
  limit: number;
  /** Ids greater than this one. */
  afterId?: number | undefined;
  /** Text the username or email contains (LIKE, with % and _ taken literally). */
  search?: string | undefined;
}

export interface UsersRepository {
  /** Throws CONFLICT (details.field: username or email) when either is taken. */
  insert(user: NewUser): UserRecord;
  get(id: number): UserRecord | undefined;
  credentials(username: string): { id: number; passwordHash: string } | undefined;
  page(request: PageRequest): { users: UserRecord[]; more: boolean };
  /** undefined when there is no such user; CONFLICT when the email is taken. */
  update(id: number, changes: UserChanges): UserRecord | undefined;
  remove(id: number): boolean;
  /** Throws when the database cannot answer. */
  ping(): void;
}

export interface RepositoryOptions {
  /** The clock for created_at. */
  now?: () => Date;
}

const COLUMNS = 'id, username, email, created_at';

/**
 * The users table through prepared statements. Uniqueness is the database's job: an insert or
 * update that collides fails on the UNIQUE constraint (SQLITE_CONSTRAINT_UNIQUE), so two
 * processes racing for one username cannot both win, as a check-then-insert could.
 */
export function createUsersRepository(db: Db, options: RepositoryOptions = {}): UsersRepository {
  const now = options.now ?? (() => new Date());
  const insert = db.prepare<[string, string, string, string], UserRecord>(
    `INSERT INTO users (username, email, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING ${COLUMNS}`,
  );
  const byId = db.prepare<[number], UserRecord>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  const credentials = db.prepare<[string], { id: number; passwordHash: string }>(
    'SELECT id, password_hash AS passwordHash FROM users WHERE username = ?',
  );
  const page = db.prepare<[number, number], UserRecord>(
    `SELECT ${COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`,
  );
  const search = db.prepare<[number, string, string, number], UserRecord>(
    `SELECT ${COLUMNS} FROM users
      WHERE id > ? AND (username LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')
      ORDER BY id LIMIT ?`,
  );
  const update = db.prepare<[string | null, string | null, number], UserRecord>(
    `UPDATE users SET email = coalesce(?, email), password_hash = coalesce(?, password_hash)
      WHERE id = ? RETURNING ${COLUMNS}`,
  );
  const remove = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
  const ping = db.prepare('SELECT 1');

  return {
    insert(user) {
      try {
        return insert.get(user.username, user.email, user.passwordHash, now().toISOString()) as UserRecord;
      } catch (error) {
        throw conflictOr(error, { username: user.username, email: user.email });
      }
    },
    get: (id) => byId.get(id),
    credentials: (username) => credentials.get(username),
    page({ limit, afterId = 0, search: text }) {
      const rows =
        text === undefined || text === ''
          ? page.all(afterId, limit + 1)
          : search.all(afterId, likePattern(text), likePattern(text), limit + 1);
      return { users: rows.slice(0, limit), more: rows.length > limit };
    },
    update(id, changes) {
      try {
        return update.get(changes.email ?? null, changes.passwordHash ?? null, id);
      } catch (error) {
        throw conflictOr(error, { email: changes.email });
      }
    },
    remove: (id) => remove.run(id).changes > 0,
    ping() {
      ping.get();
    },
  };
}

/** `%text%` with LIKE's wildcards and the escape character taken literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/** A UNIQUE violation as CONFLICT naming the field and value; anything else as it is. */
function conflictOr(error: unknown, values: { username?: string; email?: string | undefined }): unknown {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const field = message.includes('users.email') ? 'email' : 'username';
    return new AppError('CONFLICT', `${field} ${values[field] ?? ''} is taken`, {
      cause: error,
      details: { field },
    });
  }
  return error;
}
