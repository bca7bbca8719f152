// The event loop stays responsive under hostile bodies (issue 17, class 2): while ten bodies of
// the maximum size, each built to cost as much as its shape allows, are being refused, an
// ordinary call on another connection is answered within a second. Measured against each
// server's real HTTP bin; the figures (ordinary latency, RSS before, during and after) are
// printed for docs/reliability.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryOf, mib } from '../shared/memory.ts';
import { raw } from './client.ts';
import { hostileBodies, MAX_BODY } from './hostile-bodies.ts';
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

/** Bodies sent at once, and rounds of them. */
const HOSTILE_AT_ONCE = 10;
const ROUNDS = process.env.MCP_STACK_SLOW_TESTS ? 6 : 2;
/** What "responsive" means here. */
const LATENCY_BOUND_MS = 1_000;

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
