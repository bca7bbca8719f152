// Resident memory of a spawned process, read from Linux's /proc (the suite's figures and bounds).
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export const MiB = 1024 * 1024;

/** Current (VmRSS) and peak (VmHWM) resident memory of `pid`, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** `122 MiB` */
export const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

/** How long resident memory is watched for it to settle, at most (see `settledRss`). */
export const SETTLE_MS = 120_000;

/**
 * The resident memory of `pid` once it has stopped falling: read every second until the readings
 * of the last `stableMs` are within 2 MiB of each other (at most `SETTLE_MS`). A process trims its C
 * heap up to 11 s after a collection (MCP_MEMORY_TRIM_MS, 10 s by default, plus a second): a window
 * longer than that sees the trim.
 */
export async function settledRss(pid: number, stableMs = 12_000): Promise<number> {
  const readings: number[] = [];
  const count = Math.ceil(stableMs / 1_000) + 1;
  const deadline = performance.now() + SETTLE_MS;
  while (performance.now() < deadline) {
    readings.push(memoryOf(pid).rss);
    const last = readings.slice(-count);
    if (last.length === count && Math.max(...last) - Math.min(...last) < 2 * MiB)
      return last.at(-1) as number;
    await delay(1_000);
  }
  return readings.at(-1) as number;
}
