// The SQLite backend's repositories are synchronous (better-sqlite3); the interface every backend
// shares is asynchronous (PostgreSQL answers over a socket). This turns the one into the other
// without changing when anything runs: each call still runs to its end in the same tick (a
// SQLite write transaction included), and a throw becomes a rejected promise.

/** The same methods, returning promises. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

export function asyncMethods<T extends object>(sync: T): Async<T> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sync)) {
    out[name] =
      typeof value === 'function'
        ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown)(...args)
        : value;
  }
  return out as Async<T>;
}
