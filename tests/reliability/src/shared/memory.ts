// Resident memory of a spawned process, read from Linux's /proc (the suite's figures and bounds).
import { readFileSync } from 'node:fs';

export const MiB = 1024 * 1024;

/** Current (VmRSS) and peak (VmHWM) resident memory of `pid`, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** `122 MiB` */
export const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;
