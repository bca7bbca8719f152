// The event loop stays responsive under hostile bodies (issue 17, class 2): while ten bodies of
// the maximum size, each built to cost as much as its shape allows, are being refused, an
// ordinary call on another connection is answered within a second. Measured against each
// server's real HTTP bin; the figures (ordinary latency, RSS before, during and after) are
// printed for docs/reliability.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, memoryOf, mib } from '../shared/memory.ts';
import { raw } from './client.ts';
import {
  type Cleanup,
  cheapCall,
  type RunningServer,
  runCleanups,
  SERVER_NAMES,
  type ServerName,
  startServer,
  startUsersUpstream,
  toolCallBody,
  type UsersUpstream,
} from './servers.ts';

/** The servers' default body limit (MCP_MAX_BODY_BYTES). */
const MAX_BODY = 4 * MiB;
/** Bodies sent at once, and rounds of them. */
const HOSTILE_AT_ONCE = 10;
const ROUNDS = process.env.MCP_STACK_SLOW_TESTS ? 6 : 2;
/** What "responsive" means here. */
const LATENCY_BOUND_MS = 1_000;

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
function hostileBodies(tool: string): Array<{ name: string; body: Buffer }> {
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

let users: UsersUpstream | undefined;
const cleanups: Cleanup[] = [];
beforeAll(async () => {
  users = await startUsersUpstream();
  cleanups.push(() => users?.stop());
});
afterAll(() => runCleanups(cleanups));

describe.each(SERVER_NAMES)('the %s bin', (name: ServerName) => {
  it(`answers an ordinary call within ${LATENCY_BOUND_MS} ms while ${HOSTILE_AT_ONCE} maximum-size hostile bodies are refused`, {
    timeout: 300_000,
  }, async () => {
    const server: RunningServer = await startServer(name, cleanups, { ...(users && { users }) });
    const ordinary = cheapCall(name, users);
    const ordinaryBody = toolCallBody(ordinary.tool, ordinary.args);
    const hostile = hostileBodies(ordinary.tool);
    expect(hostile).toHaveLength(HOSTILE_AT_ONCE);
    for (const { name: kind, body } of hostile) expect(body.length, kind).toBeGreaterThan(MAX_BODY * 0.9);

    // warm up: the first call loads what the tool needs
    expect((await raw(server.url, { body: ordinaryBody })).status).toBe(200);
    const before = memoryOf(server.child.pid as number).rss;

    let peak = before;
    const latencies: number[] = [];
    const statuses = new Map<string, Set<number>>();
    for (let round = 0; round < ROUNDS; round++) {
      let attacking = true;
      const attack = Promise.all(
        hostile.map(async ({ name: kind, body }) => {
          const response = await raw(server.url, { body });
          const seen = statuses.get(kind) ?? new Set();
          seen.add(response.status);
          statuses.set(kind, seen);
          // a small answer, never the input echoed back (but the id, which every answer carries)
          const id = kind === 'a 4 MB id' ? (JSON.parse(body.toString()) as { id: string }).id : '';
          expect(response.body.length - id.length, kind).toBeLessThan(20_000);
          return response;
        }),
      ).finally(() => {
        attacking = false;
      });
      // ordinary calls one after another on their own connections, for as long as the attack lasts
      while (attacking) {
        const started = performance.now();
        const response = await raw(server.url, { body: ordinaryBody });
        latencies.push(performance.now() - started);
        expect(response.status, response.body).toBe(200);
        expect(response.json().result.isError ?? false, response.body).toBe(false);
        peak = Math.max(peak, memoryOf(server.child.pid as number).rss);
      }
      await attack;
    }
    // every hostile body was answered with a refusal or a tool error, none crashed the server
    for (const [kind, seen] of statuses)
      for (const status of seen) expect([200, 400, 413], kind).toContain(status);
    const after = memoryOf(server.child.pid as number).rss;
    const worst = Math.max(...latencies);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `${name}: ${latencies.length} ordinary calls during ${ROUNDS} x ${HOSTILE_AT_ONCE} hostile bodies: p50 ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms, worst ${Math.round(worst)} ms; RSS ${mib(before)} before, ${mib(peak)} peak, ${mib(after)} after`,
    );
    expect(latencies.length).toBeGreaterThan(0);
    expect(worst).toBeLessThan(LATENCY_BOUND_MS);
  });
});
