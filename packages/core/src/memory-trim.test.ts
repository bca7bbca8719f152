import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from './logger.ts';
import { loadMallocTrim, type MemoryTrim, startMemoryTrim } from './memory-trim.ts';

// a real collection on demand: V8's gc() appears in contexts made after the flag is set
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, once every observer of collections (the trim's too) has been told of it. */
async function collect(): Promise<void> {
  let observer: PerformanceObserver | undefined;
  await new Promise<void>((resolve) => {
    observer = new PerformanceObserver(() => resolve());
    observer.observe({ entryTypes: ['gc'] });
    gc();
  });
  observer?.disconnect();
}

/** A trim that counts its calls, and a loader that counts its loads. */
function counting(found = true) {
  const counts = { loads: 0, calls: 0 };
  const load = async () => {
    counts.loads++;
    return found
      ? () => {
          counts.calls++;
          return true;
        }
      : undefined;
  };
  return { counts, load };
}

let running: MemoryTrim | undefined;
afterEach(() => {
  running?.stop();
  vi.useRealTimers();
});

describe('startMemoryTrim', () => {
  it('trims within a second of a collection, then at most once per interval however many follow', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { counts, load } = counting();
    running = startMemoryTrim({ intervalMs: 60_000, logger: silentLogger(), load });
    await collect();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(counts.calls).toBe(1);

    for (let i = 0; i < 5; i++) await collect();
    expect(vi.getTimerCount()).toBe(1); // one trim waiting, not five
    await vi.advanceTimersByTimeAsync(50_000);
    expect(counts.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counts.calls).toBe(2);
    expect(running.trims).toBe(2);
    expect(counts.loads).toBe(1);
  });

  it('waits a second after the latest collection, but no longer than one interval past the plan', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { counts, load } = counting();
    running = startMemoryTrim({ intervalMs: 4_000, logger: silentLogger(), load });
    await collect();
    await vi.advanceTimersByTimeAsync(900);
    await collect(); // 100 ms before the trim: its buffers are not all freed yet
    await vi.advanceTimersByTimeAsync(100);
    expect(counts.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(900);
    expect(counts.calls).toBe(1);

    // collections every 500 ms, as under load: the trim planned for 4 s later still comes, by 8 s
    for (let t = 0; t < 8_000 && counts.calls < 2; t += 500) {
      await collect();
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(counts.calls).toBe(2);
  });

  it('does nothing with an interval of 0 (MCP_MEMORY_TRIM_MS=0)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { counts, load } = counting();
    running = startMemoryTrim({ intervalMs: 0, logger: silentLogger(), load });
    await collect();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(counts).toEqual({ loads: 0, calls: 0 });
  });

  it('stops watching collections where there is nothing to call (no glibc, no koffi)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { counts, load } = counting(false);
    running = startMemoryTrim({ intervalMs: 1_000, logger: silentLogger(), load });
    await collect();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await collect();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(counts).toEqual({ loads: 1, calls: 0 });
  });

  it('stop() cancels a trim already waiting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { counts, load } = counting();
    running = startMemoryTrim({ intervalMs: 1_000, logger: silentLogger(), load });
    await collect();
    expect(vi.getTimerCount()).toBe(1);
    running.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(counts.calls).toBe(0);
  });
});

describe('loadMallocTrim', () => {
  // CI and the images run Linux with glibc, where koffi (an optional dependency) must load
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime;
  it.runIf(process.platform === 'linux' && glibc)(
    "finds glibc's malloc_trim through koffi, and calling it works",
    async () => {
      const trim = await loadMallocTrim();
      expect(trim).toBeTypeOf('function');
      expect(typeof trim?.()).toBe('boolean');
    },
  );
});
