// Resident memory comes back after a burst of maximum-size bodies (issue 17). Node copies each
// chunk of a request body it reads into a buffer from the C allocator, freed when V8 collects it;
// glibc keeps what is freed in the middle of its heap, so a server used to keep its peak: the demo
// bin, 128 MiB before 30 s of these bodies, stayed at 181 MiB after a full collection. Core now
// trims the C heap after collections (packages/core/src/memory-trim.ts). The test sends the hostile
// bodies four at a time, asks for a full collection through the inspector, waits for the server's
// trim after it (its debug log line), then for resident memory to settle.
import { connectHeapProbe } from '@mcp-stack/core/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { memoryOf, mib, SETTLE_MS, settledRss } from '../shared/memory.ts';
import { raw } from './client.ts';
import { hostileBodies } from './hostile-bodies.ts';
import { type Cleanup, runCleanups, startServer } from './servers.ts';

const KEY = 'memory-return-key-0123456789abcdef';
const TRIM_LINE = 'gave free C heap memory back to the system';
const cleanups: Cleanup[] = [];
afterAll(() => runCleanups(cleanups));

/** The server's trims so far, from its debug log. */
const trimsIn = (stderr: string) => stderr.split('\n').filter((line) => line.includes(TRIM_LINE)).length;

describe('resident memory after a burst of maximum-size bodies', () => {
  it('comes back within 10% of where it was before the burst', { timeout: 4 * SETTLE_MS }, async () => {
    const server = await startServer('demo', cleanups, {
      nodeArgs: ['--inspect=127.0.0.1:0'],
      env: { MCP_API_KEYS: `memory:${KEY}`, LOG_LEVEL: 'debug' },
    });
    const pid = server.child.pid as number;
    const bodies = hostileBodies('echo');
    // the body one byte over the limit is refused while it is still being written: EPIPE here
    const send = async () => {
      for (const { body } of bodies)
        await raw(server.url, { body, headers: { authorization: `Bearer ${KEY}` } }).catch(() => undefined);
    };
    await send(); // every path once: V8 compiles it and grows its heap for it, once
    const probe = await connectHeapProbe(server.stderr());
    cleanups.push(() => probe.close());
    await probe.usedAfterGc();
    const before = await settledRss(pid);

    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, memoryOf(pid).rss)), 200);
    await Promise.all(Array.from({ length: 4 }, send));
    clearInterval(watch);

    const trims = trimsIn(server.stderr());
    await probe.usedAfterGc();
    await vi.waitFor(() => expect(trimsIn(server.stderr())).toBeGreaterThan(trims), {
      timeout: 30_000,
      interval: 200,
    });
    const after = await settledRss(pid);
    console.log(
      `memory-return demo: ${bodies.length * 5} bodies of up to 4 MiB; RSS ${mib(before)} before, ${mib(peak)} peak, ${mib(after)} after`,
    );
    expect(peak).toBeGreaterThan(before + 32 * 1024 * 1024); // the burst did take memory
    expect(after).toBeLessThanOrEqual(before * 1.1);
    expect(server.child.exitCode).toBeNull();
  });
});
