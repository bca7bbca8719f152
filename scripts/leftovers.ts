// The last step of CI: fails, naming them, if processes started from this checkout are still
// running (a server a test or a check forgot to stop). Its own ancestors (the shell running CI)
// do not count. The test run checks its own processes more closely (scripts/vitest/).
//
//   node scripts/leftovers.ts
import { fileURLToPath } from 'node:url';
import { describeProcesses, killAll, listProcesses } from './vitest/processes.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const all = listProcesses();
const ancestors = new Set<number>();
for (let pid: number | undefined = process.pid; pid && !ancestors.has(pid); ) {
  ancestors.add(pid);
  pid = all.find((p) => p.pid === pid)?.ppid;
}
const left = all.filter((p) => !ancestors.has(p.pid) && p.command.includes(root));
if (left.length > 0) {
  killAll(left);
  console.error(
    `leftovers: ${left.length} process(es) from ${root} still running (killed now):\n${describeProcesses(left)}`,
  );
  process.exit(1);
}
console.error(`leftovers: no process from ${root} left running`);
