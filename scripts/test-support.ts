// What the stack tests share: free ports, waiting for a line of output, a stack run to stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const STACK = fileURLToPath(new URL('./stack.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

const handedOut = new Set<number>();

/** A port free now, never one this process was given before (the kernel may offer a closed one again). */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    await new Promise((done) => server.close(done));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Four distinct free ports, held open together while they are picked (one at a time could repeat). */
export async function freePorts(): Promise<Record<string, string>> {
  const held = await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const [a, b, c, d] = held.map((server) => String((server.address() as { port: number }).port));
  await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  return {
    USERS_API_PORT: a as string,
    USERS_MCP_PORT: b as string,
    CUSTOMER_DB_MCP_PORT: c as string,
    DEMO_MCP_PORT: d as string,
  };
}

/** Resolves once `text` is in the output; rejects with the output if the child exits first. */
export function untilOutput(child: ChildProcess, output: () => string, text: string | RegExp): Promise<void> {
  const found = () => (typeof text === 'string' ? output().includes(text) : text.test(output()));
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!found()) return;
      cleanup();
      resolve();
    };
    const exited = (code: number | null) => {
      cleanup();
      reject(new Error(`exited (${code}) before printing ${String(text)}:\n${output()}`));
    };
    const cleanup = () => {
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

export interface StackRun {
  child: ChildProcess;
  output(): string;
  /** SIGINT, as Ctrl-C; resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/** `node scripts/stack.ts --no-build ...args`, up (its "Press Ctrl-C" line printed). */
export async function startStack(args: string[], env: Record<string, string>): Promise<StackRun> {
  const child = spawn(process.execPath, [STACK, '--no-build', ...args], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    return code;
  };
  try {
    await untilOutput(child, () => out, 'Press Ctrl-C');
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, output: () => out, stop };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
