// The backends the contract tests run against: SQLite (a temp file) and PostgreSQL (a scratch
// schema of its own per call, at PG_URL / DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test,
// dropped by cleanup()). Without a reachable PostgreSQL its tests are skipped with the reason
// printed, except under CI=true, where they fail.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { seedSynthetic } from '../db/synthetic.ts';
import { openPostgres, type PgDatabase } from '../pg/connection.ts';
import { createPgRepository } from '../pg/repository.ts';
import { seedPgSynthetic } from '../pg/synthetic.ts';
import type { CustomerDbRepository } from '../repository.ts';
import { openTempDb, steppingClock } from './temp-db.ts';

export const PG_URL =
  process.env.PG_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestBackend {
  repository: CustomerDbRepository;
  /** Adds synthetic customers (db/synthetic.ts's rows) the backend's own bulk way. */
  seed(customers: number, ordersPerCustomer?: number): Promise<void>;
  /** One number from SQL both backends speak (`SELECT count(*) …`). */
  scalar(sql: string): Promise<number>;
  /** Runs SQL both backends speak (an UPDATE, an INSERT). */
  exec(sql: string): Promise<void>;
  /** What a spawned bin is pointed at: a file path, or a postgres:// URL with its schema. */
  target: string;
  cleanup(): Promise<void>;
}

export interface OpenOptions {
  now?: () => Date;
  seedDemo?: boolean;
}

export type BackendName = 'sqlite' | 'postgres';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const pgUnavailable: string | undefined = await probe();
const mustRun = process.env.CI === 'true';
if (pgUnavailable && !mustRun) {
  process.stderr.write(`customer-db tests: skipping the PostgreSQL backend: ${pgUnavailable} (set PG_URL)\n`);
}

/** The backends to run: both, or SQLite alone (printed) when PostgreSQL is absent outside CI. */
export const BACKENDS: BackendName[] = pgUnavailable && !mustRun ? ['sqlite'] : ['sqlite', 'postgres'];

/** A new schema with a random name, and a URL whose connections use it. */
export async function scratchSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  if (pgUnavailable) throw new Error(`${pgUnavailable} (CI=true: the PostgreSQL tests must run)`);
  const schema = `cdb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function openPgTest(
  options: OpenOptions & {
    readOnly?: boolean;
    url?: string;
    poolMax?: number;
    statementTimeoutMs?: number;
  } = {},
): Promise<TestBackend & { db: PgDatabase; url: string }> {
  const scratch = options.url ? undefined : await scratchSchema();
  const url = options.url ?? (scratch?.url as string);
  let db: PgDatabase;
  try {
    db = await openPostgres({
      url,
      seedDemo: options.seedDemo ?? true,
      readOnly: options.readOnly ?? false,
      ...(options.poolMax && { poolMax: options.poolMax }),
      ...(options.statementTimeoutMs && { statementTimeoutMs: options.statementTimeoutMs }),
    });
  } catch (error) {
    await scratch?.drop(); // a failed open leaves no schema behind
    throw error;
  }
  const repository = createPgRepository({ db, now: options.now ?? steppingClock() });
  return {
    db,
    url,
    repository,
    target: url,
    async seed(customers, ordersPerCustomer) {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const client = await pool.connect();
      try {
        await seedPgSynthetic(client, {
          customers,
          ...(ordersPerCustomer !== undefined && { ordersPerCustomer }),
        });
      } finally {
        client.release();
        await pool.end();
      }
    },
    scalar: async (sql) => Number(Object.values((await db.query(sql))[0] ?? {})[0]),
    exec: async (sql) => {
      await db.query(sql);
    },
    async cleanup() {
      await repository.close();
      await scratch?.drop();
    },
  };
}

export async function openBackend(name: BackendName, options: OpenOptions = {}): Promise<TestBackend> {
  if (name === 'postgres') return openPgTest(options);
  const t = openTempDb({ ...(options.now && { now: options.now }), seedDemo: options.seedDemo ?? true });
  return {
    repository: t.repository,
    target: t.path,
    seed: async (customers, ordersPerCustomer) => {
      seedSynthetic(t.db, { customers, ...(ordersPerCustomer !== undefined && { ordersPerCustomer }) });
    },
    scalar: async (sql) => Number(Object.values(t.db.prepare(sql).get() as object)[0]),
    exec: async (sql) => {
      t.db.exec(sql);
    },
    cleanup: async () => t.cleanup(),
  };
}
