import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { connectHeapProbe, inspectorUrl } from './heap-probe.ts';

/** A node process that retains `retainMiB` of arrays and garbage it never keeps, until killed. */
async function startProcess(retainMiB: number) {
  const script = `globalThis.kept = Array.from({ length: ${retainMiB} }, () => new Array(131072).fill(1.5));
    for (let i = 0; i < 50; i++) new Array(131072).fill(2.5);
    setInterval(() => {}, 1000); process.stderr.write('ready\\n');`;
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', script]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  while (!stderr.includes('ready')) await once(child.stderr, 'data');
  return { stderr, stop: () => child.kill('SIGKILL') };
}

describe('connectHeapProbe', () => {
  it('answers the heap in use after a full GC: what is retained counts, garbage does not', {
    timeout: 30_000,
  }, async () => {
    const small = await startProcess(0);
    const large = await startProcess(64);
    try {
      const [smallProbe, largeProbe] = await Promise.all([
        connectHeapProbe(small.stderr),
        connectHeapProbe(large.stderr),
      ]);
      const smallUsed = await smallProbe.usedAfterGc();
      const largeUsed = await largeProbe.usedAfterGc();
      smallProbe.close();
      largeProbe.close();
      // 64 arrays of 131,072 doubles: 64 MiB retained; the 50 MiB of garbage is gone.
      expect(smallUsed).toBeLessThan(16 * 2 ** 20);
      expect(largeUsed - smallUsed).toBeGreaterThan(60 * 2 ** 20);
      expect(largeUsed - smallUsed).toBeLessThan(80 * 2 ** 20);
    } finally {
      small.stop();
      large.stop();
    }
  });

  it('says how to start the process when stderr has no inspector URL', async () => {
    expect(inspectorUrl('Debugger listening on ws://127.0.0.1:9229/abc\nFor help')).toBe(
      'ws://127.0.0.1:9229/abc',
    );
    await expect(connectHeapProbe('listening on port 3000')).rejects.toThrow(/--inspect=127.0.0.1:0/);
  });
});
