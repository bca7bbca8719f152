import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDbPath } from './test-fixtures/temp.ts';

const CONTENDER = fileURLToPath(new URL('./test-fixtures/register-race.ts', import.meta.url));
const CONTENDERS = 4;
const USERNAMES = 40;

afterAll(removeTempDirs);

function contender(dbPath: string, index: number) {
  const child = spawn(process.execPath, [
    '--conditions=@mcp-stack/source',
    CONTENDER,
    dbPath,
    String(USERNAMES),
    String(index),
  ]);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  return { child, out: () => out, err: () => err };
}

describe('registering one username from several processes at once', () => {
  it('lets exactly one process win each name; the others get CONFLICT, none an error', async () => {
    // a fresh file: the processes also race to create the schema
    const dbPath = tempDbPath();
    const racers = Array.from({ length: CONTENDERS }, (_, i) => contender(dbPath, i));
    try {
      await Promise.all(
        racers.map((racer) =>
          expect.poll(() => racer.out().includes('ready') || racer.err(), { timeout: 30_000 }).toBe(true),
        ),
      );
      for (const racer of racers) (racer.child as ChildProcessWithoutNullStreams).stdin.write('go\n');
      const codes = await Promise.all(
        racers.map((racer) => once(racer.child, 'exit').then(([code]) => code)),
      );
      expect(codes, racers.map((r) => r.err()).join('\n')).toEqual(racers.map(() => 0));
    } finally {
      for (const racer of racers) if (racer.child.exitCode === null) racer.child.kill();
    }

    const attempts = racers.flatMap((racer) =>
      racer
        .out()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { name: string; outcome: string }),
    );
    expect(attempts).toHaveLength(CONTENDERS * USERNAMES);
    const outcomes = new Set(attempts.map((a) => a.outcome));
    expect([...outcomes].sort()).toEqual(['CONFLICT', 'ok']);
    for (let i = 0; i < USERNAMES; i++) {
      const forName = attempts.filter((a) => a.name === `racer-${i}`);
      expect(
        forName.filter((a) => a.outcome === 'ok'),
        `racer-${i}`,
      ).toHaveLength(1);
      expect(forName.filter((a) => a.outcome === 'CONFLICT')).toHaveLength(CONTENDERS - 1);
    }
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(USERNAMES);
    } finally {
      db.close();
    }
  });
});
