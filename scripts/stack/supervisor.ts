// The processes of `pnpm start`: each in a process group of its own, its output shown line by line
// with its name, waited for until closed. In replicas mode an instance that exits is started again,
// and all of them can be restarted one at a time (a rolling restart).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Instance {
  /** `demo`, or `demo#2` for a replica. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Answers 200 when ready (`http://127.0.0.1:3003/readyz`); none: ready once started. */
  probe?: string;
  /** A step that ends by itself (the build): its exit is expected, never restarted. */
  step?: boolean;
  /** Which output lines to show (default all). */
  shows?: (line: string) => boolean;
}

export interface SupervisorOptions {
  /** Shows one line of an instance's output. */
  show: (name: string, line: string) => void;
  /** Says something of its own. */
  say: (text: string) => void;
  /** An instance exited while the stack was running; `restarted` says whether it is being started again. */
  onExit: (instance: Instance, why: string, restarted: boolean) => void;
}

/** How long an instance has to answer its readiness probe after it starts. */
export const READY_WITHIN_MS = 60_000;
/** How long an instance has to exit after SIGTERM before it is killed. */
const STOP_WITHIN_MS = 15_000;

interface Running {
  instance: Instance;
  child: ChildProcess;
  /** Resolves once it has exited and its output is drained ('close'). */
  closed: Promise<void>;
  /** Set when this stop was asked for (shutdown, rolling restart): not an unexpected exit. */
  stopping: boolean;
}

export class Supervisor {
  /** Start again what exits on its own (replicas), up to 5 times a minute each. */
  restart = false;
  readonly #options: SupervisorOptions;
  readonly #running = new Map<string, Running>();
  readonly #restarts = new Map<string, number[]>();
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Names of what runs now, in start order. */
  names(): string[] {
    return [...this.#running.keys()];
  }

  pid(name: string): number | undefined {
    return this.#running.get(name)?.child.pid;
  }

  /** Starts `instance`; resolves with the exit code once it has closed (for one-off steps such as the build). */
  start(instance: Instance): Promise<number | null> {
    const child = spawn(instance.command, instance.args, {
      cwd: instance.cwd,
      env: instance.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Ctrl-C reaches the runner only, which stops everything itself, in order
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (!instance.shows || instance.shows(line)) this.#options.show(instance.name, line);
      });
    }
    let code: number | null = null;
    const closed = new Promise<void>((resolve) =>
      child.once('close', (exitCode) => {
        code = exitCode;
        resolve();
      }),
    );
    const running: Running = { instance, child, closed, stopping: false };
    this.#running.set(instance.name, running);
    if (instance.step)
      void closed.then(
        () => this.#running.get(instance.name) === running && this.#running.delete(instance.name),
      );
    child.once('exit', (exitCode, signal) => {
      if (running.stopping || this.#stopping || instance.step) return;
      const why = signal ?? `code ${exitCode}`;
      const again = this.restart && this.#mayRestart(instance.name);
      this.#options.onExit(instance, why, again);
      if (again) {
        void closed.then(async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          if (!this.#stopping) this.start(instance);
        });
      }
    });
    child.once('error', (error) =>
      this.#options.say(`mcp-stack: could not start ${instance.name}: ${error.message}`),
    );
    return closed.then(() => code);
  }

  /** True once `name` answers its probe; false if it exits or is not ready in time. */
  async waitReady(name: string): Promise<boolean> {
    const running = this.#running.get(name);
    if (!running) return false;
    const { child, instance } = running;
    if (!instance.probe) return child.exitCode === null;
    const deadline = performance.now() + READY_WITHIN_MS;
    while (
      performance.now() < deadline &&
      !this.#stopping &&
      child.exitCode === null &&
      child.signalCode === null
    ) {
      try {
        const response = await fetch(instance.probe, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.ok) return true;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  /** Stops one instance (SIGTERM to its group, SIGKILL past the grace) and waits until it has closed. */
  async stop(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (!running) return;
    running.stopping = true;
    const { child } = running;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_WITHIN_MS);
    await running.closed;
    clearTimeout(timer);
    if (this.#running.get(name) === running) this.#running.delete(name);
  }

  /** Stops, starts and waits for each instance in turn, so the others keep serving. */
  async rollingRestart(names: ReadonlyArray<string>): Promise<boolean> {
    for (const name of names) {
      const running = this.#running.get(name);
      if (!running || this.#stopping) return false;
      await this.stop(name);
      if (this.#stopping) return false;
      this.start(running.instance);
      if (!(await this.waitReady(name))) return false;
    }
    return true;
  }

  /** Stops everything (each group SIGTERM at once), waiting until every instance has closed. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#running.keys()].map((name) => this.stop(name)));
  }

  /** SIGKILL to everything still running: the runner is exiting some other way. */
  killAll(): void {
    for (const { child } of this.#running.values()) signalGroup(child, 'SIGKILL');
  }

  /** At most 5 restarts of one instance within a minute: past that it is broken, not unlucky. */
  #mayRestart(name: string): boolean {
    const now = performance.now();
    const recent = (this.#restarts.get(name) ?? []).filter((at) => now - at < 60_000);
    recent.push(now);
    this.#restarts.set(name, recent);
    return recent.length <= 5;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
