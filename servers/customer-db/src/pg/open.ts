// The PostgreSQL backend in one call: pool, migrations, demo data, repository. Imported lazily
// by cli.ts, so the SQLite path never loads `pg`.
import type { CustomerDbRepository } from '../repository.ts';
import { openPostgres, type PgOptions } from './connection.ts';
import { createPgRepository } from './repository.ts';

export async function openPostgresRepository(
  options: PgOptions & { now?: () => Date },
): Promise<CustomerDbRepository> {
  const db = await openPostgres(options);
  return createPgRepository({ db, ...(options.now && { now: options.now }) });
}
