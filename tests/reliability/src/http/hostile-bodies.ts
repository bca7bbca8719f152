// Hostile HTTP bodies of the maximum size (4 MiB, the servers' default), each built to cost as
// much as its shape allows while staying within the depth and member bounds: the event-loop test
// and the soak send them.
import { MiB } from '../shared/memory.ts';

/** The servers' default body limit (MCP_MAX_BODY_BYTES). */
export const MAX_BODY = 4 * MiB;
/**
 * The largest body `build(size)` makes that stays under the limit: `size` is a length the
 * builder spreads over its shape (a padding, a count), found by bisection.
 */
function nearMax(build: (size: number) => string): Buffer {
  let low = 0;
  let high = MAX_BODY;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (Buffer.byteLength(build(middle)) <= MAX_BODY - 256) low = middle;
    else high = middle;
  }
  return Buffer.from(build(low));
}

const MEMBERS = 99_000;

/** Hostile bodies for `tool`: each is just under the size limit and within the depth and member bounds. */
export function hostileBodies(tool: string): Array<{ name: string; body: Buffer }> {
  const call = (args: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: tool, arguments: args, ...extra },
    });
  const pad = (size: number, count: number) => 'x'.repeat(Math.max(1, Math.floor(size / count)));
  return [
    {
      name: '99,000 unknown arguments',
      body: nearMax((size) =>
        call(
          Object.fromEntries(Array.from({ length: MEMBERS }, (_, i) => [`k${i}${pad(size, MEMBERS)}`, i])),
        ),
      ),
    },
    {
      name: 'one string of \\u escapes',
      body: nearMax((size) =>
        call({ name: 'ESCAPES' }).replace('ESCAPES', '\\u00e9'.repeat(Math.floor(size / 6))),
      ),
    },
    {
      name: 'an array of 99,000 objects',
      body: nearMax((size) =>
        call({
          items: Array.from({ length: MEMBERS / 2 }, (_, i) => ({ [`k${i % 7}`]: pad(size, MEMBERS / 2) })),
        }),
      ),
    },
    {
      name: '_meta with 99,000 keys',
      body: nearMax((size) =>
        call(
          {},
          {
            _meta: Object.fromEntries(
              Array.from({ length: MEMBERS }, (_, i) => [`m${i}`, pad(size, MEMBERS)]),
            ),
          },
        ),
      ),
    },
    {
      name: 'nesting 60 deep, 1,000 times',
      body: nearMax((size) => {
        const unit = `${'['.repeat(60)}"${pad(size, 1_000)}"${']'.repeat(60)}`;
        return call({ deep: 'DEEP' }).replace(
          '"DEEP"',
          `[${Array.from({ length: 1_000 }, () => unit).join(',')}]`,
        );
      }),
    },
    {
      name: 'a 4 MB id',
      body: nearMax((size) => JSON.stringify({ jsonrpc: '2.0', id: 'i'.repeat(size), method: 'tools/list' })),
    },
    {
      name: 'a 4 MB method name',
      body: nearMax((size) => JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'm'.repeat(size) })),
    },
    {
      name: '4 MB of whitespace around a ping',
      body: nearMax((size) => `${' '.repeat(size)}{"jsonrpc":"2.0","id":9,"method":"ping"}`),
    },
    {
      name: '4 MB of invalid JSON',
      body: nearMax(
        (size) =>
          `{"jsonrpc":"2.0","id":10,"method":"ping","params":{"a":[${'1,'.repeat(Math.floor(size / 2))}`,
      ),
    },
    {
      name: 'one byte over the limit',
      body: Buffer.alloc(MAX_BODY + 1, 0x20),
    },
  ];
}
