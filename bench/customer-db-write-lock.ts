// What waiting for a lock off the event loop costs a write nobody competes with: CPU time per
// `update_customer` at the repository, with `failFastOnLock` (busy timeout 0 around BEGIN
// IMMEDIATE, as the server runs) and without (SQLite's busy timeout), in alternating rounds.
// Not part of `pnpm bench`: run it on its own,
//   node --conditions=@mcp-stack/source bench/customer-db-write-lock.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRepository, openDatabase } from '@mcp-stack/server-customer-db';

const ROUNDS = 8;
const WRITES = 1_000;
const dir = mkdtempSync(join(tmpdir(), 'bench-write-lock-'));
try {
  const runs = [false, true].map((failFastOnLock) => ({
    failFastOnLock,
    repository: createRepository({
      db: openDatabase({ path: join(dir, `${failFastOnLock}.sqlite`) }),
      failFastOnLock,
    }),
    cpu: [] as number[],
  }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const run of runs) {
      const before = process.cpuUsage();
      for (let i = 0; i < WRITES; i++)
        await run.repository.customers.update('1234', { name: `Alice ${round}.${i}` });
      const used = process.cpuUsage(before);
      run.cpu.push((used.user + used.system) / WRITES);
    }
  }
  for (const run of runs) {
    const sorted = [...run.cpu].sort((a, b) => a - b);
    process.stdout.write(
      `failFastOnLock ${run.failFastOnLock}: CPU per update_customer, best round ${sorted[0]?.toFixed(1)} µs, median ${sorted[ROUNDS / 2]?.toFixed(1)} µs (${ROUNDS} rounds of ${WRITES})\n`,
    );
    run.repository.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
