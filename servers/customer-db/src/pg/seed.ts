// The seed subcommand's PostgreSQL side: migrate (and the demo data) as a server would, then the
// synthetic rows with COPY on one connection of its own.
import type { Logger } from '@mcp-stack/core';
import pg from 'pg';
import type { SyntheticOptions, SyntheticResult } from '../db/synthetic.ts';
import { openPostgres } from './connection.ts';
import { seedPgSynthetic } from './synthetic.ts';

export async function seedPostgres(
  url: string,
  options: SyntheticOptions & { seedDemo: boolean; logger: Logger },
): Promise<SyntheticResult & { total: number }> {
  const db = await openPostgres({ url, seedDemo: options.seedDemo, logger: options.logger });
  await db.close();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const result = await seedPgSynthetic(client as unknown as pg.PoolClient, options);
    const total = Number((await client.query('SELECT count(*) AS n FROM customers')).rows[0].n);
    return { ...result, total };
  } finally {
    await client.end();
  }
}
