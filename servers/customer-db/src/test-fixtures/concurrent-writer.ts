// One writer process for the concurrency test. It opens the shared file, says "ready" on stdout
// and waits for a line on stdin, so every writer starts at once. Then it inserts `count`
// customers through the repository, each in its own write transaction. After its first insert it
// waits until every writer has made its first insert, so the writes surely overlap however the
// machine schedules the processes. With `--touch-order`, every tenth insert also runs a
// read-then-write transaction on order 2345.
// Usage: node --conditions=@mcp-stack/source concurrent-writer.ts <db file or postgres:// URL> <worker> <workers> <count> [--touch-order]
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { openDatabase } from '../db/connection.ts';
import { isPostgresUrl } from '../pg/url.ts';
import { type CustomerDbRepository, createRepository } from '../repository.ts';

const [path, worker, workers, count, flag] = process.argv.slice(2);
if (!path || !worker || !workers || !count) {
  console.error('usage: concurrent-writer.ts <db> <worker> <workers> <count> [--touch-order]');
  process.exit(2);
}
// a postgres:// URL: the PostgreSQL backend (migrating under its advisory lock), else a SQLite file
const postgres = isPostgresUrl(path);
let repository: CustomerDbRepository;
let everyoneStarted: () => Promise<boolean>;
const firstEmails = Array.from({ length: Number(workers) }, (_, w) => `w${w}.c0@example.test`);
if (postgres) {
  const { openPostgres } = await import('../pg/connection.ts');
  const { createPgRepository } = await import('../pg/repository.ts');
  const db = await openPostgres({ url: path, seedDemo: false, poolMax: 2, lockWaitMs: 20_000 });
  repository = createPgRepository({ db });
  everyoneStarted = async () =>
    (
      await db.query<{ n: number }>('SELECT count(*) AS n FROM customers WHERE email = ANY($1)', [
        firstEmails,
      ])
    )[0]?.n === firstEmails.length;
} else {
  const db = openDatabase({ path, seedDemo: false, busyTimeoutMs: 20_000 });
  repository = createRepository({ db });
  const firstRowOf = db.prepare('SELECT 1 FROM customers WHERE email = ?');
  everyoneStarted = async () => firstEmails.every((email) => firstRowOf.get(email));
}

process.stdout.write('ready\n');
await once(process.stdin, 'data');
for (let i = 0; i < Number(count); i++) {
  await repository.customers.create({
    name: `Worker ${worker} customer ${i}`,
    email: `w${worker}.c${i}@example.test`,
  });
  if (flag === '--touch-order' && i % 10 === 0) await repository.orders.updateStatus('2345', 'processing');
  if (i === 0) {
    const deadline = Date.now() + 20_000;
    while (!(await everyoneStarted())) {
      if (Date.now() > deadline) {
        console.error(`worker ${worker}: the other writers never started`);
        process.exit(3);
      }
      await delay(5);
    }
  }
}
await repository.close();
process.stdin.destroy();
