// `mcp-server-customer-db seed --customers N`: synthetic data for benchmarks.
import { parseArgs } from 'node:util';
import {
  type CliIo,
  ConfigError,
  createLogger,
  type Env,
  envBoolean,
  envLogLevel,
  isAppError,
  loadConfig,
} from '@mcp-stack/core';
import { z } from 'zod';
import { BIN } from './cli.ts';
import { DEFAULT_DB_PATH_TEXT, defaultDbPath } from './data-path.ts';
import { openDatabase } from './db/connection.ts';
import { seedSynthetic } from './db/synthetic.ts';
import { isPostgresUrl, redactUrl } from './pg/url.ts';

export const SEED_HELP = `${BIN} seed: add synthetic customers and orders (for benchmarks)

Usage:
  ${BIN} seed --customers <n> [--orders-per-customer <n>] [--db <path or postgres:// URL>] [--no-seed]

Options:
  --customers <n>               how many customers to add, 1 to 10000000 (required)
  --orders-per-customer <n>     average orders per customer, 0 to 100 (default 2)
  --db <path>                   the database file (env CUSTOMER_DB_PATH, default
                                ${DEFAULT_DB_PATH_TEXT}), or a postgres:// URL
                                (env CUSTOMER_DB_URL, which wins over the path)
  --no-seed                     do not add the demo data first when the database is empty
                                (env CUSTOMER_DB_NO_SEED=1)
  --help                        this text

The load is one transaction: indexes and search triggers are dropped, the rows inserted, the
full-text and symbol indexes built for the new rows, and everything recreated. Servers using the
file keep reading the data as it was; their writes wait (and may time out) until it commits.
On PostgreSQL the rows go in with COPY, in one transaction too, with the same effect.`;

const envSchema = z.object({
  CUSTOMER_DB_PATH: z.string().min(1).optional(),
  CUSTOMER_DB_URL: z.string().refine(isPostgresUrl, 'expected a postgres:// or postgresql:// URL').optional(),
  CUSTOMER_DB_NO_SEED: envBoolean().default(false),
  LOG_LEVEL: envLogLevel().default('info'),
});

const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `expected ${min} to ${max}`).max(max, `expected ${min} to ${max}`));

export type SeedIo = Pick<CliIo, 'print' | 'printError'> & { env: Env; now?: () => Date };

/** Runs the seed subcommand (argv after `seed`); resolves to the exit code. */
export async function runSeedCommand(argv: ReadonlyArray<string>, io: SeedIo): Promise<number> {
  const usage = (message: string) => {
    io.printError(`${BIN} seed: ${message}\nRun ${BIN} seed --help for the options.`);
    return 2;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        customers: { type: 'string' },
        'orders-per-customer': { type: 'string' },
        db: { type: 'string' },
        'no-seed': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    io.print(SEED_HELP);
    return 0;
  }
  if (values.customers === undefined) return usage('--customers <n> is required');
  const customers = count(1, 10_000_000).safeParse(values.customers);
  if (!customers.success) return usage(`--customers: ${customers.error.issues[0]?.message}`);
  const perCustomer = count(0, 100).safeParse(values['orders-per-customer'] ?? '2');
  if (!perCustomer.success) return usage(`--orders-per-customer: ${perCustomer.error.issues[0]?.message}`);
  let env: z.output<typeof envSchema>;
  try {
    env = loadConfig(envSchema, io.env, { secrets: ['CUSTOMER_DB_URL'] });
  } catch (error) {
    if (error instanceof ConfigError) return usage(error.message);
    throw error;
  }

  const logger = createLogger({ level: env.LOG_LEVEL, name: `${BIN} seed` });
  const path =
    (values.db as string | undefined) ?? env.CUSTOMER_DB_URL ?? env.CUSTOMER_DB_PATH ?? defaultDbPath(io.env);
  const now = io.now ?? (() => new Date());
  try {
    const started = performance.now();
    if (isPostgresUrl(path)) {
      const { seedPostgres } = await import('./pg/seed.ts');
      const result = await seedPostgres(path, {
        customers: customers.data,
        ordersPerCustomer: perCustomer.data,
        now,
        seedDemo: !(values['no-seed'] || env.CUSTOMER_DB_NO_SEED),
        logger,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const { total, ...seeded } = result;
      logger.info({ database: redactUrl(path), ...seeded, seconds }, 'seeded');
      io.print(
        `seeded ${result.customers} customers (ids ${result.firstId}-${result.lastId}) and ${result.orders} orders into ${redactUrl(path)} in ${seconds} s; ${total} customers in all`,
      );
      return 0;
    }
    const db = openDatabase({ path, seedDemo: !(values['no-seed'] || env.CUSTOMER_DB_NO_SEED), logger });
    try {
      const result = seedSynthetic(db, {
        customers: customers.data,
        ordersPerCustomer: perCustomer.data,
        now,
      });
      db.pragma('optimize');
      const total = (db.prepare('SELECT count(*) AS n FROM customers').get() as { n: number }).n;
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      logger.info({ path, ...result, seconds }, 'seeded');
      io.print(
        `seeded ${result.customers} customers (ids ${result.firstId}-${result.lastId}) and ${result.orders} orders into ${path} in ${seconds} s; ${total} customers in all`,
      );
      return 0;
    } finally {
      db.close();
    }
  } catch (error) {
    if (!isAppError(error)) logger.error({ err: error }, 'seed failed');
    // never the URL's password: AppErrors name the database redacted; anything else by its class
    io.printError(
      `${BIN} seed: ${isAppError(error) ? error.message : error instanceof Error ? redactText(error.message, path) : String(error)}`,
    );
    return 1;
  }
}

/** A message with any copy of the URL's password taken out. */
function redactText(message: string, url: string): string {
  if (!isPostgresUrl(url)) return message;
  const password = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  })();
  return password ? message.split(password).join('***') : message;
}
