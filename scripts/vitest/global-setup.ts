import { randomUUID } from 'node:crypto';
import { describeProcesses, hasEnv, killAll, listProcesses, RUN_MARKER } from './processes.ts';

/**
 * Marks this run's processes (workers and all they spawn inherit the variable), and at the end
 * fails the run if any of them is still alive: a test that left a server running, orphaned, is
 * a defect even when its assertions passed. Leftovers are killed, and named in the failure.
 */
const run = randomUUID();

export function setup(): void {
  process.env[RUN_MARKER] = run;
}

export async function teardown(): Promise<void> {
  const leftovers = await settle(() =>
    listProcesses().filter(
      (p) =>
        p.pid !== process.pid &&
        !p.command.includes('/vitest/dist/workers/') &&
        hasEnv(p.pid, RUN_MARKER, run),
    ),
  );
  if (leftovers.length === 0) return;
  killAll(leftovers);
  // vitest reports an error thrown here but still exits 0: set the exit code ourselves
  process.exitCode = 1;
  console.error(
    `\nFAIL: ${leftovers.length} process(es) started by the tests were still running after every test ended (killed now):\n${describeProcesses(leftovers)}\n`,
  );
}

/**
 * What `find` returns once processes stop going away by themselves: one whose parent was just
 * stopped may take a moment to exit. Looks again each second while any remain, five times at
 * most; only a process still there after that counts as left over.
 */
async function settle<T extends { pid: number }>(find: () => T[]): Promise<T[]> {
  let found = find();
  for (let i = 0; i < 5 && found.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    found = find();
  }
  return found;
}
