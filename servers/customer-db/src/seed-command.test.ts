import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db/connection.ts';
import { createRepository } from './repository.ts';
import { runSeedCommand } from './seed-command.ts';
import { CLEAN_ENV, tempDir } from './test-fixtures/temp-db.ts';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function dir() {
  const made = tempDir();
  cleanups.push(made.cleanup);
  return made.dir;
}

async function seed(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runSeedCommand(argv, {
    env: { LOG_LEVEL: 'silent', ...env },
    print: (text) => (out += `${text}\n`),
    printError: (text) => (err += `${text}\n`),
  });
  return { code, out, err };
}

describe('mcp-server-customer-db seed', () => {
  it('adds N customers (after the demo data of a new file) and says what it did', async () => {
    const path = join(dir(), 'deep', 'bench.sqlite');
    const { code, out } = await seed(['--customers', '400', '--db', path]);
    expect(code).toBe(0);
    expect(out).toMatch(
      new RegExp(
        `^seeded 400 customers \\(ids 5679-6078\\) and \\d+ orders into ${path} in [\\d.]+ s; 405 customers in all\\n$`,
      ),
    );
    const again = await seed(['--customers', '100', '--orders-per-customer', '0'], {
      CUSTOMER_DB_PATH: path,
    });
    expect(again.out).toContain('seeded 100 customers (ids 6079-6178) and 0 orders');
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 505 });
    } finally {
      db.close();
    }
  });

  it('skips the demo data with --no-seed or CUSTOMER_DB_NO_SEED', async () => {
    const path = join(dir(), 'bare.sqlite');
    expect((await seed(['--customers', '10', '--db', path, '--no-seed'])).out).toContain(
      '10 customers in all',
    );
    const other = join(dir(), 'bare2.sqlite');
    expect((await seed(['--customers', '3', '--db', other], { CUSTOMER_DB_NO_SEED: '1' })).out).toContain(
      '(ids 1-3)',
    );
    const repository = createRepository({ db: openDatabase({ path: other, readOnly: true }) });
    try {
      expect((await repository.customers.get('1')).email).toMatch(/\.1@example\./);
    } finally {
      repository.close();
    }
  });

  it('prints its help, and refuses bad arguments with exit 2', async () => {
    const help = await seed(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--customers <n>');
    for (const [argv, message] of [
      [[], '--customers <n> is required'],
      [['--customers', 'ten'], '--customers: expected a whole number'],
      [['--customers', '0'], '--customers: expected 1 to 10000000'],
      [['--customers', '5', '--orders-per-customer', '101'], '--orders-per-customer: expected 0 to 100'],
      [['--customers', '5', '--bogus'], "Unknown option '--bogus'"],
      [['--customers', '5', 'extra'], 'extra'],
    ] as Array<[string[], string]>) {
      const { code, err } = await seed(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err).toContain(message);
      expect(err).toContain('Run mcp-server-customer-db seed --help');
    }
    const badEnv = await seed(['--customers', '5'], { LOG_LEVEL: 'loud' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.err).toContain('LOG_LEVEL');
  });

  it('runs as the bin’s subcommand', async () => {
    const path = join(dir(), 'bin.sqlite');
    const result = spawnSync(
      process.execPath,
      ['--conditions=@mcp-stack/source', BIN, 'seed', '--customers', '25', '--db', path],
      { encoding: 'utf8', env: { ...process.env, ...CLEAN_ENV, LOG_LEVEL: 'warn' }, timeout: 20_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^seeded 25 customers/);
    expect(result.stderr).toBe('');
  });
});

describe.runIf(process.env.MCP_STACK_SLOW_TESTS)('seeding 100,000 customers (slow)', () => {
  it('loads, and the tools still answer from indexes', { timeout: 300_000 }, async () => {
    const path = join(dir(), 'big.sqlite');
    const { code, out } = await seed(['--customers', '100000', '--db', path]);
    expect(code).toBe(0);
    console.log(out.trim());
    const repository = createRepository({ db: openDatabase({ path, readOnly: true }) });
    try {
      const timings: Record<string, number> = {};
      const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        const value = await fn();
        timings[label] = Math.round((performance.now() - started) * 10) / 10;
        return value;
      };
      expect(
        (await time('search "smith"', () => repository.customers.search({ query: 'smith', limit: 20 })))
          .customers,
      ).toHaveLength(20);
      await time('search "a"', () => repository.customers.search({ query: 'a', limit: 20 }));
      await time('search "%"', () => repository.customers.search({ query: '%', limit: 20 }));
      await time('search "@@" (walks every "@")', () =>
        repository.customers.search({ query: '@@', limit: 20 }),
      );
      await time('search status blocked', () =>
        repository.customers.search({ status: 'blocked', limit: 20 }),
      );
      await time('list_orders customer', () => repository.orders.list({ customer_id: '50000', limit: 20 }));
      await time('list_orders cancelled', () => repository.orders.list({ status: 'cancelled', limit: 20 }));
      console.log(timings);
    } finally {
      repository.close();
    }
  });
});
