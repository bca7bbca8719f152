// Several processes writing one database file at once lose no write: WAL, a busy timeout, and
// every write in a BEGIN IMMEDIATE transaction (the lock is taken before reading, so no upgrade
// deadlock can fail a transaction half-way).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db/connection.ts';
import { createRepository } from './repository.ts';
import { tempDir } from './test-fixtures/temp-db.ts';

const WRITER = fileURLToPath(new URL('./test-fixtures/concurrent-writer.ts', import.meta.url));
const WORKERS = 3;
const PER_WORKER = 150;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function runWriters(path: string, extra: string[] = []) {
  const children = Array.from({ length: WORKERS }, (_, worker) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@mcp-stack/source',
        WRITER,
        path,
        String(worker),
        String(WORKERS),
        String(PER_WORKER),
        ...extra,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => (stdout += chunk));
    return { child, stderr: () => stderr, ready: () => stdout.includes('ready') };
  });
  // every writer has the file open (and migrated) before any inserts: they overlap for sure
  await expect
    .poll(() => children.every((c) => c.ready() || c.child.exitCode !== null), { timeout: 30_000 })
    .toBe(true);
  for (const { child } of children) child.stdin.write('go\n');
  const codes = await Promise.all(children.map(async ({ child }) => (await once(child, 'exit'))[0]));
  expect(codes, children.map((c) => c.stderr()).join('\n')).toEqual(Array(WORKERS).fill(0));
}

function expectEveryRow(path: string, base: number) {
  const db = new BetterSqlite3(path);
  try {
    const emails = new Set(
      (db.prepare('SELECT email FROM customers').all() as Array<{ email: string }>).map((r) => r.email),
    );
    expect(emails.size).toBe(base + WORKERS * PER_WORKER);
    for (let w = 0; w < WORKERS; w++) {
      for (let i = 0; i < PER_WORKER; i++) expect(emails.has(`w${w}.c${i}@example.test`)).toBe(true);
    }
    // the writers overlapped: each waited, after its first row, for every other's first row, so
    // in id order the rows switch between workers at least WORKERS + 1 times
    const order = (
      db.prepare("SELECT name FROM customers WHERE name GLOB 'Worker *' ORDER BY id").all() as Array<{
        name: string;
      }>
    ).map((r) => r.name.split(' ')[1]);
    const switches = order.filter((w, i) => i > 0 && w !== order[i - 1]).length;
    expect(new Set(order.slice(0, WORKERS)).size).toBe(WORKERS);
    expect(switches).toBeGreaterThan(WORKERS);
    // the search index kept up with every insert, and matches the table
    db.prepare("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)").run();
    const indexed = db
      .prepare("SELECT count(*) AS n FROM customers_fts WHERE customers_fts MATCH 'worker'")
      .get();
    expect(indexed).toEqual({ n: WORKERS * PER_WORKER });
  } finally {
    db.close();
  }
}

describe('several processes writing one file', () => {
  it('lose no insert, with read-then-write transactions mixed in', { timeout: 60_000 }, async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'shared.sqlite');
    openDatabase({ path }).close(); // migrated, with the demo data (order 2345)
    await runWriters(path, ['--touch-order']);
    expectEveryRow(path, 5);
  });

  it('lose nothing when they all start on a new file at once (migrations race too)', {
    timeout: 60_000,
  }, async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'fresh.sqlite');
    await runWriters(path);
    expectEveryRow(path, 0);
  });
});

describe('a write that cannot get the lock', () => {
  it('fails with UNAVAILABLE after the busy timeout, while reads go on (WAL)', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'locked.sqlite');
    const db = openDatabase({ path, busyTimeoutMs: 50 });
    const repository = createRepository({ db });
    const holder = new BetterSqlite3(path);
    try {
      holder.exec('BEGIN IMMEDIATE');
      await expect(repository.customers.create({ name: 'Late', email: 'late@example.test' })).rejects.toThrow(
        expect.objectContaining({ code: 'UNAVAILABLE', message: expect.stringContaining('retry') }),
      );
      expect((await repository.customers.get('1234')).name).toBe('Alice Johnson');
      holder.exec('ROLLBACK');
      expect((await repository.customers.create({ name: 'Late', email: 'late@example.test' })).name).toBe(
        'Late',
      );
    } finally {
      holder.close();
      repository.close();
    }
  });
});
