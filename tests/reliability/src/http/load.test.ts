// Each server's real bin under load over HTTP: a cheap stateless tools/call from 64 keep-alive
// connections in another process, every answer checked; the server's heap after a full GC
// (through its inspector) must not keep growing from round to round.
//
// Fast (default): 500 warm-up calls, then 4 rounds of 500. Slow (MCP_STACK_SLOW_TESTS=1): 2,000
// warm-up calls, then 4 rounds of 5,000 (20,000 measured calls) per server, and users again with
// its GET cache off so every call reaches the users-api.
import { setTimeout as delay } from 'node:timers/promises';
import { connectHeapProbe, type HeapProbe } from '@mcp-stack/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LoadReport, raw, runLoad } from './client.ts';
import {
  type Cleanup,
  cheapCall,
  runCleanups,
  SERVER_NAMES,
  type ServerName,
  startServer,
  startUsersUpstream,
  toolCallBody,
  type UsersUpstream,
} from './servers.ts';

const CONNECTIONS = 64;
/** The rate limit stays on (the limiter runs on every call), raised far above what we send. */
const RAISED_RATE_LIMIT = { MCP_RATE_LIMIT_RPS: '1000000', MCP_RATE_LIMIT_BURST: '10000000' };

let users: UsersUpstream;
const cleanups: Cleanup[] = [];
beforeAll(async () => {
  users = await startUsersUpstream();
});
afterAll(() => users?.stop());
afterEach(() => runCleanups(cleanups));

interface Measured {
  rounds: LoadReport[];
  heapBytes: number[];
  /** users: requests that reached the users-api during the measured rounds. */
  upstreamRequests: number;
}

async function loadServer(
  name: ServerName,
  sizes: { warmUp: number; round: number; rounds: number },
  env: Record<string, string> = {},
  /**
   * Wait this long before reading the heap: the users server's idle connections to the API
   * (fetch keeps them about 4-5 s) hold several MB of buffers until they close, which is not retention.
   */
  settleMs = 0,
): Promise<Measured> {
  const server = await startServer(name, cleanups, {
    users,
    env: { ...RAISED_RATE_LIMIT, ...env },
    nodeArgs: ['--inspect=127.0.0.1:0'],
  });
  const probe: HeapProbe = await connectHeapProbe(server.stderr());
  cleanups.push(() => probe.close());
  const call = cheapCall(name, users);
  if (name === 'customer-db') {
    // the seeded customer 1234; its timestamps come from the seed, so read them once
    const first = (await raw(server.url, { body: toolCallBody(call.tool, call.args) })).json();
    expect(first.result.structuredContent).toMatchObject({ id: '1234', name: 'Alice Johnson' });
    call.expected = { equals: first.result.structuredContent };
  }
  const spec = {
    url: server.url,
    tool: call.tool,
    args: call.args,
    expected: call.expected,
    connections: CONNECTIONS,
  };
  const warmUp = await runLoad({ ...spec, total: sizes.warmUp });
  expect(warmUp.errorSamples).toEqual([]);
  const heap = async () => {
    await delay(settleMs);
    return probe.usedAfterGc();
  };
  const heapBytes = [await heap()];
  const rounds: LoadReport[] = [];
  const forwardedBefore = users.forwarded();
  for (let i = 0; i < sizes.rounds; i++) {
    const report = await runLoad({ ...spec, total: sizes.round });
    rounds.push(report);
    heapBytes.push(await heap());
  }
  // the process is still healthy, and stops cleanly (a process with a debugger attached waits
  // for it to go before exiting: the probe goes first)
  expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  probe.close();
  expect(await server.stop()).toBe(0);
  return { rounds, heapBytes, upstreamRequests: users.forwarded() - forwardedBefore };
}

function expectNoErrors({ rounds }: Measured, round: number): void {
  for (const report of rounds) {
    expect(report.errorSamples).toEqual([]);
    expect(report).toMatchObject({ calls: round, ok: round, errors: 0, statuses: { 200: round } });
    // the calls really were spread over the connections
    expect(report.sockets).toBeGreaterThan(CONNECTIONS / 2);
  }
}

/**
 * Retained heap does not keep growing: the last reading is within 10% (+ 2 MiB for JIT code and
 * inline caches settling) of the one after warm-up, and the readings do not rise by more than
 * 64 KiB every round (a steady leak of a few bytes a call would; settling rises less and less).
 */
function expectFlatHeap({ heapBytes }: Measured): void {
  const message = `heap after GC per round: ${heapBytes.join(', ')}`;
  const [first = 0] = heapBytes;
  const last = heapBytes.at(-1) ?? 0;
  expect(last, message).toBeLessThanOrEqual(first * 1.1 + 2 * 1024 * 1024);
  const risesEveryRound = heapBytes.slice(1).every((bytes, i) => bytes > (heapBytes[i] ?? 0) + 64 * 1024);
  expect(risesEveryRound, message).toBe(false);
}

function summary(name: string, measured: Measured): string {
  const calls = measured.rounds.reduce((n, r) => n + r.calls, 0);
  const rps = measured.rounds.map((r) => r.requestsPerSecond);
  const p99 = measured.rounds.map((r) => r.latencyMs.p99);
  const mb = measured.heapBytes.map((b) => (b / 1024 / 1024).toFixed(1));
  const upstream = name.startsWith('users')
    ? `; ${measured.upstreamRequests} requests reached the users-api`
    : '';
  return `${name}: ${calls} calls, ${CONNECTIONS} connections, 0 errors; req/s per round ${rps.join(' / ')}; p99 ms ${p99.join(' / ')}; heap after GC MB ${mb.join(' -> ')}${upstream}`;
}

const FAST = { warmUp: 500, round: 500, rounds: 4 };
const SLOW = { warmUp: 2_000, round: 5_000, rounds: 4 };

describe('HTTP load against each server bin (fast: 2,000 calls each)', () => {
  it.each(SERVER_NAMES)(
    '%s answers every call correctly and its heap stays flat',
    { timeout: 120_000 },
    async (name) => {
      const measured = await loadServer(name, FAST);
      console.info(summary(name, measured));
      expectNoErrors(measured, FAST.round);
      expectFlatHeap(measured);
    },
  );
});

describe.runIf(process.env.MCP_STACK_SLOW_TESTS)('HTTP load, 20,000 calls per server (slow)', () => {
  it.each(SERVER_NAMES)(
    '%s answers 20,000 calls correctly and its heap stays flat',
    { timeout: 600_000 },
    async (name) => {
      const measured = await loadServer(name, SLOW);
      console.info(summary(`${name}${name === 'users' ? ' (GET cache on, 2 s TTL)' : ''}`, measured));
      expectNoErrors(measured, SLOW.round);
      expectFlatHeap(measured);
    },
  );

  it('users with its GET cache off: every call reaches the users-api', { timeout: 600_000 }, async () => {
    const measured = await loadServer('users', SLOW, { USERS_API_CACHE_TTL_MS: '0' }, 6_000);
    console.info(summary('users (GET cache off)', measured));
    expectNoErrors(measured, SLOW.round);
    expect(measured.upstreamRequests).toBeGreaterThanOrEqual(SLOW.round * SLOW.rounds);
    expectFlatHeap(measured);
  });
});
