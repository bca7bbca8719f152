// A mixed hostile soak (issue 17): each server's real HTTP bin, all three at once, under every
// attack of the suite at the same time for 5 minutes (`pnpm test:slow`; 15 s in the fast suite),
// while an ordinary client with its own key and its own address calls a tool one call after
// another. No ordinary call may fail, and once the attack stops each server's JavaScript heap
// (used, after a full collection) comes back within 10% of what it was before: nothing the
// attack sent is kept; in the 5-minute run its resident memory too. Resident memory before, at
// the peak and after is printed.
import { request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { connectHeapProbe } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryOf, mib, SETTLE_MS, settledRss } from '../shared/memory.ts';
import { raw } from './client.ts';
import { hostileBodies } from './hostile-bodies.ts';
import {
  type Cleanup,
  cheapCall,
  type RunningServer,
  runCleanups,
  SERVER_NAMES,
  startServer,
  startUsersUpstream,
  toolCallBody,
  type UsersUpstream,
} from './servers.ts';

const SLOW = Boolean(process.env.MCP_STACK_SLOW_TESTS);
const SOAK_MS = Number(process.env.MCP_STACK_SOAK_MS) || (SLOW ? 5 * 60_000 : 10_000);
const t0 = performance.now();
/** Where the soak is, on stderr as it goes (a 10-minute test that says nothing cannot be told from a hung one). */
const phase = (text: string) =>
  process.stderr.write(`soak +${Math.round((performance.now() - t0) / 1000)} s: ${text}\n`);
const KEYS = { ordinary: 'soak-ordinary-0123456789abcdef', hostile: 'soak-hostile-0123456789abcdefgh' };
/** Long enough for every attack to run once. */
const WARM_UP_MS = 5_000;
/** The ordinary client's own address: the attackers' per-address cap is not its cap. */
const ORDINARY_ADDRESS = '127.0.0.2';

/** One call from the ordinary client: its key, its address, a fresh connection. */
function ordinaryCall(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: ORDINARY_ADDRESS,
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${KEYS.ordinary}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Attackers, each looping until `stop`; every promise settles once stopped. */
function attack(server: RunningServer, tool: string, stop: AbortSignal): Promise<unknown>[] {
  const bodies = hostileBodies(tool);
  const { hostname, port } = new URL(server.origin);
  const host = new URL(server.url).host;
  const forever = async (step: () => Promise<unknown>) => {
    while (!stop.aborted) await step().catch(() => undefined);
  };
  const hostile = { authorization: `Bearer ${KEYS.hostile}` };
  /** A raw connection that sends `text` a byte every 50 ms until the server closes it or the soak ends. */
  const slowConnection = (text: string) =>
    new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {});
      let i = 0;
      const timer = setInterval(() => {
        if (stop.aborted) socket.destroy();
        else if (socket.writable) socket.write(text[i++ % text.length] as string);
      }, 50);
      socket.on('close', () => {
        clearInterval(timer);
        resolve();
      });
      socket.resume();
    });
  return [
    // maximum-size hostile bodies, two at a time, with and without a key
    forever(async () => {
      for (const { body } of bodies) if (!stop.aborted) await raw(server.url, { body, headers: hostile });
    }),
    forever(async () => {
      for (const { body } of [...bodies].reverse()) if (!stop.aborted) await raw(server.url, { body });
    }),
    // slowloris: headers that never end, bodies that never end
    ...Array.from({ length: 10 }, () =>
      forever(() => slowConnection(`POST /mcp HTTP/1.1\r\nHost: ${host}\r\nx-slow: ${'a'.repeat(1_000)}`)),
    ),
    ...Array.from({ length: 10 }, () =>
      forever(() =>
        slowConnection(
          `POST /mcp HTTP/1.1\r\nHost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n${' '.repeat(1_000)}`,
        ),
      ),
    ),
    // a connection flood past the per-address cap, held a moment and let go
    forever(async () => {
      const sockets = Array.from({ length: 300 }, () =>
        connect(Number(port), hostname).on('error', () => {}),
      );
      await delay(500);
      for (const socket of sockets) socket.destroy();
    }),
    // a request flood past the hostile key's rate limit, and garbage
    forever(async () => {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          raw(server.url, { body: toolCallBody('no_such_tool', {}), headers: hostile }).catch(
            () => undefined,
          ),
        ),
      );
      await raw(server.url, { body: '{"jsonrpc":"2.0","id":1,"method":', headers: hostile }).catch(
        () => undefined,
      );
    }),
  ];
}

let users: UsersUpstream | undefined;
const cleanups: Cleanup[] = [];
beforeAll(async () => {
  users = await startUsersUpstream();
  cleanups.push(() => users?.stop());
}, 60_000);
afterAll(() => runCleanups(cleanups));

describe('a mixed hostile soak of every HTTP server at once', () => {
  it(`fails no ordinary call in ${SOAK_MS / 1000} s, and each server's heap${SLOW ? ' and RSS' : ''} come back within 10%`, {
    // the soak, the warm-up, two waits for memory to settle, and starting three servers
    timeout: SOAK_MS + WARM_UP_MS + 2 * SETTLE_MS + 120_000,
  }, async () => {
    const servers = await Promise.all(
      SERVER_NAMES.map((name) =>
        startServer(name, cleanups, {
          ...(users && { users }),
          nodeArgs: ['--inspect=127.0.0.1:0'],
          env: { MCP_API_KEYS: `ordinary:${KEYS.ordinary},hostile:${KEYS.hostile}` },
        }),
      ),
    );
    const calls = servers.map((server) => {
      const call = cheapCall(server.name, users);
      return { server, body: toolCallBody(call.tool, call.args), tool: call.tool };
    });
    // Warm up: every path the attack takes, once (V8 compiles code and grows its heap for each,
    // once), then the baseline when resident memory has settled.
    for (const { server, body } of calls) expect((await ordinaryCall(server.url, body)).status).toBe(200);
    const warmUp = new AbortController();
    const warming = calls.flatMap(({ server, tool }) => attack(server, tool, warmUp.signal));
    await delay(WARM_UP_MS);
    warmUp.abort();
    await Promise.all(warming);
    phase('warmed up; waiting for resident memory to settle');
    const probes = await Promise.all(servers.map((server) => connectHeapProbe(server.stderr())));
    cleanups.push(() => Promise.all(probes.map((probe) => probe.close())));
    const heapBefore = await Promise.all(probes.map((probe) => probe.usedAfterGc()));
    const before = await Promise.all(servers.map((server) => settledRss(server.child.pid as number)));
    phase(`baseline RSS ${before.map(mib).join(', ')}; attacking for ${SOAK_MS / 1000} s`);

    const stop = new AbortController();
    // ends the attack and the ordinary client if the test ends first (a timeout, a failure)
    cleanups.push(() => stop.abort());
    const attackers = calls.flatMap(({ server, tool }) => attack(server, tool, stop.signal));
    const failures: string[] = [];
    const counts = servers.map(() => 0);
    const peaks = [...before];
    const ordinary = calls.map(async ({ server, body }, i) => {
      while (!stop.signal.aborted) {
        const answer = await ordinaryCall(server.url, body).catch((error: Error) => ({
          status: 0,
          body: error.message,
        }));
        counts[i] = (counts[i] ?? 0) + 1;
        const ok = answer.status === 200 && JSON.parse(answer.body).result?.isError !== true;
        if (!ok) failures.push(`${server.name}: ${answer.status} ${answer.body.slice(0, 300)}`);
        peaks[i] = Math.max(peaks[i] ?? 0, memoryOf(server.child.pid as number).rss);
        await delay(50);
      }
    });
    await delay(SOAK_MS);
    stop.abort();
    phase('attack stopped; waiting for every attacker and the ordinary client to end');
    await Promise.all([...ordinary, ...attackers]);
    phase('all ended; waiting for resident memory to settle');

    for (const server of servers) expect(server.child.exitCode, server.name).toBeNull();
    expect(failures).toEqual([]);
    // memory comes back once the attack is over (V8 gives pages back after a while idle)
    const heapAfter = await Promise.all(probes.map((probe) => probe.usedAfterGc()));
    const after = await Promise.all(servers.map((server) => settledRss(server.child.pid as number)));
    for (const [i, server] of servers.entries())
      console.log(
        `soak ${server.name}: ${counts[i]} ordinary calls in ${SOAK_MS / 1000} s, none failed; heap used after a full GC ${mib(heapBefore[i] as number)} before, ${mib(heapAfter[i] as number)} after; RSS ${mib(before[i] as number)} before, ${mib(peaks[i] as number)} peak, ${mib(after[i] as number)} after`,
      );
    for (const [i, server] of servers.entries()) {
      expect(heapAfter[i] as number, server.name).toBeLessThanOrEqual((heapBefore[i] as number) * 1.1);
      // The 5-minute run holds resident memory to it too. The fast run does not: in 10 s under a
      // machine shared with other suites, V8 and the allocator keep pages a while longer (RSS
      // came back within 10% on a quiet machine, 12-47% above at load average 20).
      if (SLOW) expect(after[i] as number, server.name).toBeLessThanOrEqual((before[i] as number) * 1.1);
    }
  });
});
