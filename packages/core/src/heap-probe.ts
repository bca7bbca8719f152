/**
 * Reads the heap of another Node process through its inspector (start it with
 * `--inspect=127.0.0.1:0`): a full GC, then the bytes still in use. Tests and benchmarks use it to
 * tell a leak from garbage not yet collected, without changing the server under test.
 */

export interface HeapProbe {
  /** Forces a full garbage collection in the process, then answers the heap bytes in use. */
  usedAfterGc(): Promise<number>;
  close(): void;
}

const INSPECTOR_URL = /Debugger listening on (ws:\/\/\S+)/;

/** The inspector's WebSocket URL from what the process wrote to stderr, or undefined. */
export function inspectorUrl(stderr: string): string | undefined {
  return INSPECTOR_URL.exec(stderr)?.[1];
}

/** Connects to the inspector whose URL the process printed on stderr. */
export async function connectHeapProbe(stderr: string, timeoutMs = 10_000): Promise<HeapProbe> {
  const url = inspectorUrl(stderr);
  if (!url)
    throw new Error('no "Debugger listening on ws://…" line: start the process with --inspect=127.0.0.1:0');
  const socket = new WebSocket(url);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(`inspector: ${message.error.message}`));
    else waiting.resolve(message.result);
  });
  socket.addEventListener('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('inspector connection closed'));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector at ${url} did not open in time`)), timeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to the inspector at ${url}`));
    });
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async usedAfterGc() {
      // Twice: objects with finalizers or weak references need a second pass to go.
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      const usage = (await send('Runtime.getHeapUsage')) as { usedSize: number };
      return usage.usedSize;
    },
    close: () => socket.close(),
  };
}
