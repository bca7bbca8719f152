import { readdirSync, readFileSync } from 'node:fs';

/**
 * The variable that marks every process a test run starts: set by the global setup, inherited by
 * vitest's workers and by whatever they spawn (unless a test hands a child an environment of its
 * own, which the helpers that do so keep it in).
 */
export const RUN_MARKER = 'MCP_STACK_TEST_RUN';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

/** Every live process of this machine that /proc lets us read (none where there is no /proc). */
export function listProcesses(): ProcessInfo[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const name of pids) {
    const info = readProcess(Number(name));
    if (info) found.push(info);
  }
  return found;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    // stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined; // exited, not yet reaped
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(fields[1]), command };
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** Whether `pid`'s environment holds `name=value` (false when it cannot be read). */
export function hasEnv(pid: number, name: string, value: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${name}=${value}`);
  } catch {
    return false;
  }
}

/** `root` and all its live descendants, children before their parents' siblings. */
export function descendants(root: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  const walk = (pid: number) => {
    for (const child of all.filter((p) => p.ppid === pid)) {
      out.push(child);
      walk(child.pid);
    }
  };
  walk(root);
  return out;
}

/** SIGKILL, ignoring processes already gone. */
export function killAll(processes: ReadonlyArray<ProcessInfo>): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function describeProcesses(processes: ReadonlyArray<ProcessInfo>): string {
  return processes.map((p) => `  pid ${p.pid}: ${p.command.slice(0, 300)}`).join('\n');
}
