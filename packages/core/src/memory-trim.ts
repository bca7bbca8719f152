// Gives the C allocator's free memory back to the system after V8 collects garbage (issue 17).
//
// Why: Node copies each chunk of a request body it reads into a buffer of its own from the C
// allocator (up to 64 KiB), freed only when V8 collects the buffer's wrapper. glibc reuses what
// is freed in the middle of its heap but gives back only the top, so after a burst of large
// bodies a process keeps its peak. Measured on the demo bin after 40 s of 4 MiB hostile bodies and
// a full collection: glibc's main heap held 87 MiB of which 8 MiB were in use (`malloc_stats`),
// RSS 184 MiB against 126 MiB before the attack; one `malloc_trim(0)` brought RSS to 96 MiB.
// Node has no binding for it, so koffi (a maintained FFI with prebuilt binaries for every platform
// Node runs on: nothing compiles at install) calls it in libc. jemalloc and a lower mmap threshold
// did not help (docs/reliability.md).
//
// It also fixes glibc's trim threshold at its default (`mallopt(M_TRIM_THRESHOLD)`): glibc raises
// it as large mapped chunks are freed, up to 64 MiB, and a thread's arena gives the top of its
// heap back only past it, which `malloc_trim` does not do for it (a users bin kept a 24 MiB top).
//
// When: a garbage collection (any kind) schedules one trim, a second after the latest collection
// (V8's sweeper threads free the buffers after the pause; under constant collections, at most one
// interval later than planned) and never sooner than `intervalMs` after the previous trim: at most
// one call per interval, 2-5 ms each on a fragmented 100 MiB heap. Where there is no glibc
// (macOS, Windows, musl, whose allocator gives memory back itself) or koffi did not install, it
// does nothing and says so at debug level (a warning on glibc Linux without koffi).
import { createRequire } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from './logger.ts';

/** A collection's buffers are freed by V8's background threads after it: trim this much later. */
const AFTER_GC_MS = 1_000;

/** malloc.h */
const M_TRIM_THRESHOLD = -1;
/** glibc's own default, before it raises it. */
const DEFAULT_TRIM_THRESHOLD = 128 * 1024;

/** Gives free memory back; returns whether any was (glibc's `malloc_trim(0)`). */
export type TrimFunction = () => boolean;

export interface MemoryTrimOptions {
  /** The least time between two trims, in ms; 0 turns trimming off (`MCP_MEMORY_TRIM_MS`). */
  intervalMs: number;
  logger: Logger;
  /** How the trim function is found (tests); default: `malloc_trim` from glibc through koffi. */
  load?: () => Promise<TrimFunction | undefined>;
}

export interface MemoryTrim {
  /** Trims done so far. */
  readonly trims: number;
  stop(): void;
}

/** Starts trimming after collections; `stop()` before the process ends (it holds nothing open). */
export function startMemoryTrim(options: MemoryTrimOptions): MemoryTrim {
  const { intervalMs, logger } = options;
  let trims = 0;
  let stopped = intervalMs <= 0;
  let timer: NodeJS.Timeout | undefined;
  /** When the trim waiting in `timer` was planned for. */
  let planned = 0;
  let lastGc = Number.NEGATIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let loading: Promise<TrimFunction | undefined> | undefined;
  const schedule = (at: number) => {
    timer = setTimeout(fire, Math.max(0, at - Date.now())).unref();
  };
  const observer = new PerformanceObserver(() => {
    if (stopped) return;
    lastGc = Date.now();
    if (timer) return;
    planned = Math.max(lastGc + AFTER_GC_MS, last + intervalMs);
    schedule(planned);
  });
  const fire = () => {
    // A collection came since: what it freed is still being given to the allocator. Wait for it,
    // unless collections keep coming (under load): then at most one interval past the plan.
    const now = Date.now();
    if (now < lastGc + AFTER_GC_MS && now < planned + intervalMs) schedule(lastGc + AFTER_GC_MS);
    else void trimOnce();
  };
  const stop = () => {
    stopped = true;
    observer.disconnect();
    clearTimeout(timer);
  };
  const trimOnce = async () => {
    loading ??= (options.load ?? loadMallocTrim)(logger);
    const trim = await loading;
    if (!trim || stopped) return void stop();
    // the figures are read for the debug line only
    const debug = logger.isLevelEnabled('debug');
    const rss = debug ? process.memoryUsage.rss() : 0;
    const started = debug ? performance.now() : 0;
    trim();
    last = Date.now();
    timer = undefined;
    trims++;
    if (debug)
      logger.debug(
        {
          releasedBytes: rss - process.memoryUsage.rss(),
          ms: Math.round((performance.now() - started) * 100) / 100,
        },
        'gave free C heap memory back to the system',
      );
  };
  if (!stopped) observer.observe({ entryTypes: ['gc'] });
  return {
    get trims() {
      return trims;
    },
    stop,
  };
}

/** glibc's `malloc_trim(0)` through koffi, or undefined where either is missing. */
export async function loadMallocTrim(logger?: Logger): Promise<TrimFunction | undefined> {
  if (process.platform !== 'linux') {
    logger?.debug({ platform: process.platform }, 'memory trim off: not Linux');
    return undefined;
  }
  let koffi: typeof import('koffi');
  try {
    koffi = await importKoffi();
  } catch (error) {
    const glibc = Boolean(
      (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
        ?.glibcVersionRuntime,
    );
    const message =
      'memory trim off: the optional dependency koffi did not load; resident memory can stay at its peak after large requests';
    if (glibc) logger?.warn({ err: error }, message);
    else logger?.debug({ err: error }, message);
    return undefined;
  }
  try {
    const libc = koffi.load('libc.so.6');
    const mallocTrim = libc.func('int malloc_trim(size_t pad)');
    // the trim threshold, fixed at glibc's default (why: the top of this file)
    const mallopt = libc.func('int mallopt(int param, int value)');
    if (mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD) !== 1)
      logger?.debug('memory trim: mallopt(M_TRIM_THRESHOLD) refused; arenas keep their tops');
    return () => mallocTrim(0) === 1;
  } catch (error) {
    logger?.debug({ err: error }, 'memory trim off: no glibc malloc_trim here');
    return undefined;
  }
}

/**
 * koffi, core's optional dependency. A server's bundled bin holds core's code but not core's
 * folder: where the installer did not hoist koffi beside the server (pnpm), it is found from
 * core's own folder.
 */
async function importKoffi(): Promise<typeof import('koffi')> {
  try {
    return await import('koffi');
  } catch (error) {
    try {
      return createRequire(import.meta.resolve('@mcp-stack/core'))('koffi');
    } catch {
      throw error;
    }
  }
}
