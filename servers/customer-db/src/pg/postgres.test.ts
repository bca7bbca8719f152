// The PostgreSQL backend from the outside: the seed command (COPY) into a scratch schema, the bin
// selected by CUSTOMER_DB_URL over HTTP (ready, answering, its password in no output), and the
// privileges the README documents: a role that may only read and write rows serves a database
// another role migrated; a role that may only SELECT serves it read-only.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawnHttp } from '@mcp-stack/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runSeedCommand } from '../seed-command.ts';
import { BACKENDS, openPgTest, PG_URL, scratchSchema } from '../test-fixtures/backends.ts';
import { CLEAN_ENV } from '../test-fixtures/temp-db.ts';
import { openPostgres } from './connection.ts';
import { createPgRepository } from './repository.ts';

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
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

describe.skipIf(!BACKENDS.includes('postgres'))('postgres from the outside', () => {
  it('seed fills a PostgreSQL schema with COPY, after the demo data, and adds more after', async () => {
    const scratch = await scratchSchema();
    cleanups.push(() => scratch.drop());
    const first = await seed(['--customers', '400', '--db', scratch.url]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^seeded 400 customers \(ids 5679-6078\) and \d+ orders into postgres:\/\/.* in [\d.]+ s; 405 customers in all\n$/,
    );
    const again = await seed(['--customers', '100', '--orders-per-customer', '0'], {
      CUSTOMER_DB_URL: scratch.url,
    });
    expect(again.out).toContain('seeded 100 customers (ids 6079-6178) and 0 orders');
    const t = await openPgTest({ url: scratch.url });
    try {
      expect(await t.scalar('SELECT count(*) FROM customers')).toBe(505);
      // the symbol rows were added set-wise for the loaded customers, and the trigger is back on
      expect(await t.scalar("SELECT count(*) FROM customer_symbols WHERE symbol = '@'")).toBe(505);
      const created = await t.repository.customers.create({ name: 'After Seed', email: 'after_seed@x.test' });
      expect(created.id).toBe('6179');
      expect(
        (await t.repository.customers.search({ query: '_', limit: 5 })).customers.map((c) => c.id),
      ).toEqual(['6179']);
    } finally {
      await t.repository.close();
    }
  });

  it('seed names the database without its password, and a bad URL is refused (exit 2) without echoing it', async () => {
    const url = new URL(PG_URL);
    url.password = 'sekret-pw-456';
    url.port = '1'; // nothing listens there
    const failed = await seed(['--customers', '10', '--db', url.toString()]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/unavailable|cannot open/i);
    expect(failed.err + failed.out).not.toContain('sekret-pw-456');
    const bad = await seed(['--customers', '10'], { CUSTOMER_DB_URL: 'mysql://u:sekret-pw-789@h/db' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('CUSTOMER_DB_URL');
    expect(bad.err).not.toContain('sekret-pw-789');
  });

  it('CUSTOMER_DB_URL makes the bin serve PostgreSQL: ready, answering, no password in its logs', {
    timeout: 30_000,
  }, async () => {
    const scratch = await scratchSchema();
    cleanups.push(() => scratch.drop());
    const url = new URL(scratch.url);
    url.password = 'not-needed-but-secret-123'; // the local server trusts 127.0.0.1; a password is still never logged
    const http = await spawnHttp(
      process.execPath,
      ['--conditions=@mcp-stack/source', BIN, '--http', '--port', '0'],
      {
        env: { ...CLEAN_ENV, CUSTOMER_DB_URL: url.toString(), LOG_LEVEL: 'info' },
        timeoutMs: 20_000,
      },
    );
    cleanups.push(async () => {
      await http.stop();
    });
    const ready = await fetch(new URL('/readyz', http.url));
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    const stderr = http.stderr();
    expect(stderr).toContain('database open');
    expect(stderr).not.toContain('not-needed-but-secret-123');
  });

  it('serves with a role that may only read and write rows, and read-only with one that may only SELECT', {
    timeout: 30_000,
  }, async () => {
    const scratch = await scratchSchema();
    cleanups.push(() => scratch.drop());
    // migrated (and seeded) by the owner
    const owner = await openPostgres({ url: scratch.url });
    await owner.close();
    const app = `cdb_app_${randomBytes(4).toString('hex')}`;
    const reader = `cdb_ro_${randomBytes(4).toString('hex')}`;
    const s = scratch.schema;
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${app} LOGIN; CREATE ROLE ${reader} LOGIN`);
      await c.query(`GRANT USAGE ON SCHEMA ${s} TO ${app}, ${reader}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE ON ${s}.customers, ${s}.orders TO ${app}`);
      await c.query(`GRANT SELECT, INSERT, DELETE ON ${s}.customer_symbols TO ${app}`);
      await c.query(`GRANT SELECT ON ${s}.customer_db_schema TO ${app}`);
      await c.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${app}`);
      await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${reader}`);
    });
    cleanups.push(() =>
      admin(async (c) => {
        await c.query(`DROP OWNED BY ${app}, ${reader}`);
        await c.query(`DROP ROLE IF EXISTS ${app}`);
        await c.query(`DROP ROLE IF EXISTS ${reader}`);
      }),
    );
    const as = (role: string) => {
      const url = new URL(scratch.url);
      url.username = role;
      return url.toString();
    };
    const db = await openPostgres({ url: as(app) });
    const repository = createPgRepository({ db });
    try {
      const created = await repository.customers.create({ name: 'Role Play', email: 'role.play@x.test' });
      expect((await repository.customers.update(created.id, { name: "Role O'Play" })).name).toBe(
        "Role O'Play",
      );
      expect((await repository.customers.search({ query: "o'play", limit: 5 })).customers).toHaveLength(1);
      expect((await repository.orders.updateStatus('2345', 'shipped')).status).toBe('shipped');
    } finally {
      await repository.close();
    }
    const ro = await openPostgres({ url: as(reader), readOnly: true });
    const readOnly = createPgRepository({ db: ro });
    try {
      expect((await readOnly.customers.search({ query: 'role', limit: 5 })).customers).toHaveLength(1);
      await expect(readOnly.customers.create({ name: 'x', email: 'x@y.z' })).rejects.toThrow(
        expect.objectContaining({ code: 'FORBIDDEN' }),
      );
    } finally {
      await readOnly.close();
    }
  });
});
