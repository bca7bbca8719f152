import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from './database.ts';
import { createUsersRepository, likePattern } from './repository.ts';
import { removeTempDirs, tempDbPath } from './test-fixtures/temp.ts';

afterAll(removeTempDirs);

const opened: Db[] = [];
afterAll(() => {
  for (const db of opened) if (db.open) db.close();
});

function fresh(now = () => new Date('2026-01-02T03:04:05.678Z')) {
  const path = tempDbPath();
  const db = openDatabase(path);
  opened.push(db);
  return { path, db, users: createUsersRepository(db, { now }) };
}

const user = (name: string, email = `${name}@example.com`) => ({ username: name, email, passwordHash: 'h' });

function thrown(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a throw');
}

describe('the users database file', () => {
  it('is in WAL mode with a busy timeout, at schema version 1, and reopens without migrating again', () => {
    const { path, db } = fresh();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    createUsersRepository(db).insert(user('kept'));
    const again = openDatabase(path);
    opened.push(again);
    expect(createUsersRepository(again).credentials('kept')).toMatchObject({ passwordHash: 'h' });
  });

  it('refuses a database from a newer version', () => {
    const { path, db } = fresh();
    db.pragma('user_version = 99');
    expect(() => openDatabase(path)).toThrow(/schema version 99, newer than this users-api knows/);
  });
});

describe('users repository', () => {
  it('inserts with an integer id and the clock time, never returning the hash', () => {
    const { users } = fresh();
    const alice = users.insert(user('alice'));
    expect(alice).toEqual({
      id: 1,
      username: 'alice',
      email: 'alice@example.com',
      created_at: '2026-01-02T03:04:05.678Z',
    });
    expect(users.insert(user('bob')).id).toBe(2);
    expect(users.get(1)).toEqual(alice);
    expect(users.get(3)).toBeUndefined();
  });

  it('refuses a taken username or email (any case) as CONFLICT naming the field', () => {
    const { users } = fresh();
    users.insert(user('alice'));
    expect(thrown(() => users.insert(user('alice', 'other@example.com')))).toMatchObject({
      code: 'CONFLICT',
      message: 'username alice is taken',
      details: { field: 'username' },
    });
    expect(thrown(() => users.insert(user('alice2', 'ALICE@Example.com')))).toMatchObject({
      code: 'CONFLICT',
      message: 'email ALICE@Example.com is taken',
      details: { field: 'email' },
    });
    const bob = users.insert(user('bob'));
    expect(thrown(() => users.update(bob.id, { email: 'alice@example.com' }))).toMatchObject({
      code: 'CONFLICT',
      details: { field: 'email' },
    });
  });

  it('updates only what is given and tells an unknown id apart', () => {
    const { users } = fresh();
    const alice = users.insert(user('alice'));
    expect(users.update(alice.id, { passwordHash: 'h2' })).toEqual(alice);
    expect(users.credentials('alice')?.passwordHash).toBe('h2');
    expect(users.update(alice.id, { email: 'new@example.com' })).toEqual({
      ...alice,
      email: 'new@example.com',
    });
    expect(users.credentials('alice')?.passwordHash).toBe('h2');
    expect(users.update(99, { email: 'x@example.com' })).toBeUndefined();
    expect(users.remove(alice.id)).toBe(true);
    expect(users.remove(alice.id)).toBe(false);
  });

  it('pages by id with a look-ahead for "more"', () => {
    const { users } = fresh();
    for (let i = 0; i < 25; i++) users.insert(user(`user${String(i).padStart(2, '0')}`));
    const first = users.page({ limit: 10 });
    expect(first.users.map((u) => u.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.more).toBe(true);
    const last = users.page({ limit: 10, afterId: 20 });
    expect(last.users.map((u) => u.id)).toEqual([21, 22, 23, 24, 25]);
    expect(last.more).toBe(false);
    expect(users.page({ limit: 5, afterId: 20 }).more).toBe(false);
  });

  it('searches username and email case-insensitively, with % _ and \\ taken literally', () => {
    const { users } = fresh();
    for (const name of ['a_b', 'axb', 'pct', 'back', 'plain']) users.insert(user(name));
    users.insert(user('percent', '100%sure@example.com'));
    users.insert(user('slash', 'a\\b@example.com'));
    const names = (search: string) => users.page({ limit: 100, search }).users.map((u) => u.username);
    expect(names('_')).toEqual(['a_b']);
    expect(names('%')).toEqual(['percent']);
    expect(names('\\')).toEqual(['slash']);
    expect(names('A_B')).toEqual(['a_b']);
    expect(names('EXAMPLE.COM')).toHaveLength(7);
    expect(names('@example')).toHaveLength(7);
    expect(names('nobody')).toEqual([]);
    expect(likePattern('50%_\\')).toBe('%50\\%\\_\\\\%');
  });

  it('keeps no plain password: the column holds what it was given (the service gives a hash)', () => {
    const { path, users } = fresh();
    users.insert({ username: 'carol', email: 'c@example.com', passwordHash: 'scrypt$1024$8$1$salt$hash' });
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT password_hash FROM users').pluck().get()).toBe('scrypt$1024$8$1$salt$hash');
    } finally {
      raw.close();
    }
  });
});
