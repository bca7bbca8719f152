// A database locked by another process (issue 17, class 6): a real second process holds the
// SQLite write lock on the customer-db bin's file while writes arrive over HTTP. Reads keep being
// answered while the writes wait; once the lock is released every write completes; a write that
// waits past CUSTOMER_DB_LOCK_WAIT_MS fails with UNAVAILABLE, and reads still answer meanwhile.
// Before the fix: a waiting write held the event loop for the whole 5 s busy timeout, so every
// call stalled behind it (eight writes: 13 s), and the writes failed.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cleanup,
  type RunningServer,
  runCleanups,
  startServer,
  timedToolCaller,
} from '../http/servers.ts';
import { memoryOf, mib } from '../shared/memory.ts';
import { tempDir } from './harness.ts';

const HOLDER = fileURLToPath(new URL('./fixtures/lock-holder.ts', import.meta.url));
const LOCK_WAIT_MS = 3_000;

interface Holder {
  child: ChildProcessWithoutNullStreams;
  release(): Promise<void>;
}

const holders: Holder[] = [];
afterEach(async () => {
  for (const holder of holders.splice(0)) await holder.release();
});

/** Starts a process holding the write lock on `path`; resolves once it has it. */
async function holdLock(path: string): Promise<Holder> {
  const child = spawn(process.execPath, [HOLDER, path], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}: ${stderr}`)));
  });
  const holder: Holder = {
    child,
    async release() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin.end('release\n');
      await exited;
    },
  };
  holders.push(holder);
  await locked;
  return holder;
}

describe('customer-db while another process holds the write lock', () => {
  const cleanups: Cleanup[] = [];
  let server: RunningServer;
  let dbPath: string;
  const call = timedToolCaller(() => server.url);
  /** Ten reads one after another, each timed. */
  const reads = async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const got = await call('get_customer', { customer_id: '1234' });
      expect(got.result.structuredContent).toMatchObject({ id: '1234' });
      const found = await call('search_customers', { query: 'bob' });
      expect(found.result.structuredContent.customers).toEqual([expect.objectContaining({ id: '2345' })]);
      times.push(got.ms, found.ms);
    }
    return times;
  };

  beforeAll(async () => {
    const dir = tempDir('reliability-lock-');
    cleanups.push(() => dir.cleanup());
    dbPath = `${dir.dir}/customers.sqlite`;
    server = await startServer('customer-db', cleanups, {
      dbPath,
      env: { CUSTOMER_DB_LOCK_WAIT_MS: String(LOCK_WAIT_MS), MCP_RATE_LIMIT_RPS: '0' },
    });
  }, 60_000);
  afterAll(() => runCleanups(cleanups));

  it('answers reads while eight writes wait, then completes every write once the lock is released', async () => {
    const holder = await holdLock(dbPath);
    const pid = server.child.pid as number;
    const before = memoryOf(pid);
    const writes = Array.from({ length: 8 }, (_, i) =>
      call('update_customer', { customer_id: '1234', name: `Alice Waited ${i}` }),
    );
    const readTimes = await reads();
    const during = memoryOf(pid);
    await holder.release();
    const written = await Promise.all(writes);
    const after = memoryOf(pid);
    process.stderr.write(
      `locked database: 10 reads while 8 writes waited: ${readTimes.map(Math.round).join(', ')} ms; writes done in ${written.map((w) => Math.round(w.ms)).join(', ')} ms; RSS ${mib(before.rss)} / ${mib(during.rss)} / ${mib(after.rss)} (before / during / after)\n`,
    );
    expect(Math.max(...readTimes)).toBeLessThan(1_000);
    for (const { result } of written) expect(result.isError, result.content[0]?.text).toBeFalsy();
    const alice = await call('get_customer', { customer_id: '1234' });
    expect(alice.result.structuredContent.name).toMatch(/^Alice Waited \d$/);
  }, 60_000);

  it('fails a write that waits past CUSTOMER_DB_LOCK_WAIT_MS with UNAVAILABLE, answering reads meanwhile', async () => {
    await holdLock(dbPath);
    const write = call('create_customer', { name: 'Never Written', email: 'never@example.test' });
    const readTimes = await reads();
    const { result, ms } = await write;
    process.stderr.write(
      `locked database, never released: write refused after ${Math.round(ms)} ms; reads meanwhile ${readTimes.map(Math.round).join(', ')} ms\n`,
    );
    expect(Math.max(...readTimes)).toBeLessThan(1_000);
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^UNAVAILABLE: the database is busy/);
    expect(ms).toBeGreaterThanOrEqual(LOCK_WAIT_MS - 20);
    const found = await call('search_customers', { query: 'never@example.test' });
    expect(found.result.structuredContent.customers).toEqual([]);
  }, 60_000);
});
