import { afterAll } from 'vitest';
import { descendants, describeProcesses, killAll } from './processes.ts';

// After each test file (this hook runs after the file's own afterAll hooks): any process it
// spawned that is still running is killed, and the file fails naming it. This also ends what a
// test that timed out had started, since its own cleanup never ran.
afterAll(async () => {
  let left = descendants(process.pid);
  for (let i = 0; i < 100 && left.length > 0; i++) {
    // a child told to stop in the file's own afterAll may still be exiting (10 s at most)
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = descendants(process.pid);
  }
  if (left.length === 0) return;
  killAll(left);
  throw new Error(
    `this file left ${left.length} process(es) running after its tests (killed now):\n${describeProcesses(left)}`,
  );
});
