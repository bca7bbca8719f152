// An upstream that answers with a body far larger than any users API page (issue 17, class 7):
// the users MCP bin over HTTP, pointed at a real local server that streams hundreds of megabytes,
// declared in Content-Length or chunked. The call fails at once with a coded error naming the
// limit, the upstream is asked once (no retry), it gets to write only a little before the
// connection is closed, the server's peak memory barely moves, and an ordinary call made while
// the huge body is being offered is answered. Before the fix: the whole body was read (600 MB
// three times, 2.4 GB RSS).
import { createServer, type ServerResponse } from 'node:http';
import type { SpawnedHttp } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw } from '../http/client.ts';
import { listenLocal, toolCallBody } from '../http/servers.ts';
import { cleanEnv } from '../shared/clean-env.ts';
import { MiB, memoryOf } from '../shared/memory.ts';
import { Processes } from './fixtures/processes.ts';

const SLOW = process.env.MCP_STACK_SLOW_TESTS === '1';
/** What the upstream offers: 600 MB in the long run, 256 MiB otherwise. */
const HUGE_BYTES = SLOW ? 600_000_000 : 256 * MiB;
/** The users server's limit (its default, USERS_API_MAX_RESPONSE_BYTES). */
const LIMIT = MiB;
const USER = { id: 1, username: 'ada', email: 'ada@example.test', created_at: '2026-01-01T00:00:00.000Z' };

interface Offer {
  /** Bytes the socket took before the client went away. */
  written: number;
  closed: Promise<void>;
}

/** A users API whose user 666 is `HUGE_BYTES` of valid JSON (`declared` or chunked); user 1 is ordinary. */
async function startHugeUpstream() {
  const offers: Offer[] = [];
  let onOffer: (() => void) | undefined;
  const stream = (res: ServerResponse, declared: boolean) => {
    const head = '{"id":666,"username":"';
    const tail = '","email":"big@example.test","created_at":"2026-01-01T00:00:00.000Z"}';
    const chunk = Buffer.alloc(MiB, 'a');
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declared && { 'content-length': String(HUGE_BYTES) }),
    });
    let left = HUGE_BYTES - head.length - tail.length;
    const offer: Offer = { written: 0, closed: new Promise((resolve) => res.once('close', resolve)) };
    offers.push(offer);
    res.once('close', () => {
      offer.written = res.socket?.bytesWritten ?? offer.written;
    });
    res.write(head);
    onOffer?.();
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        offer.written = res.socket?.bytesWritten ?? 0;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(tail);
    };
    pump();
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://upstream.invalid').pathname;
    requests.push(`${req.method} ${path}`);
    if (path === '/users/666') return stream(res, true);
    if (path === '/users/667') return stream(res, false);
    if (path === '/users/1') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(USER));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"NOT_FOUND","message":"no such user"}}');
  });
  const requests: string[] = [];
  const listening = await listenLocal(server);
  return {
    ...listening,
    requests,
    offers,
    /** Resolves when the next huge body starts. */
    nextOffer: () => new Promise<void>((resolve) => (onOffer = resolve)),
  };
}

describe.skipIf(process.platform !== 'linux')('users server against an upstream sending a huge body', () => {
  const processes = new Processes();
  let upstream: Awaited<ReturnType<typeof startHugeUpstream>>;
  let mcp: SpawnedHttp;
  let serial = 0;
  const call = async (tool: string, args: Record<string, unknown>) => {
    const started = performance.now();
    const response = await raw(mcp.url, { body: toolCallBody(tool, args, ++serial) });
    return { response, ms: performance.now() - started, result: response.json().result };
  };

  beforeAll(async () => {
    upstream = await startHugeUpstream();
    mcp = await processes.usersMcpHttp({
      ...cleanEnv(),
      USERS_API_URL: upstream.url,
      USERS_API_CACHE_TTL_MS: '0',
      LOG_LEVEL: 'info',
    });
    // warm: the first call loads code paths; memory is compared from here
    expect((await call('get_user', { user_id: 1 })).result.structuredContent).toEqual(USER);
  }, 60_000);
  afterAll(async () => {
    await processes.cleanup();
    await upstream?.close();
  }, 60_000);

  it.each([
    ['declared in Content-Length', 666],
    ['chunked, with no length', 667],
  ])(
    'refuses a huge body %s: one request, a little read, memory flat, others served',
    async (_case, id) => {
      const pid = mcp.child.pid as number;
      const before = memoryOf(pid);
      upstream.requests.length = 0;
      const offered = upstream.nextOffer();
      const huge = call('get_user', { user_id: id });
      await offered;
      const ordinary = await call('get_user', { user_id: 1 });
      const refused = await huge;
      const after = memoryOf(pid);
      await Promise.all(upstream.offers.map((offer) => offer.closed));
      const written = upstream.offers.splice(0).reduce((sum, offer) => sum + offer.written, 0);
      process.stderr.write(
        `huge upstream body (${_case}, ${HUGE_BYTES} bytes offered): refused in ${Math.round(refused.ms)} ms; ordinary call ${Math.round(ordinary.ms)} ms; upstream wrote ${(written / MiB).toFixed(1)} MiB; RSS ${(before.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB, peak ${(before.peak / MiB).toFixed(0)} -> ${(after.peak / MiB).toFixed(0)} MiB\n`,
      );

      expect(refused.result.isError).toBe(true);
      expect(refused.result.content[0].text).toMatch(
        new RegExp(
          `^UPSTREAM_ERROR: the users API answered GET /users/${id} with more than ${LIMIT} bytes \\(USERS_API_MAX_RESPONSE_BYTES\\)`,
        ),
      );
      expect(upstream.requests).toEqual([`GET /users/${id}`, 'GET /users/1']); // asked once: no retry
      expect(ordinary.result.structuredContent).toEqual(USER);
      expect(ordinary.ms).toBeLessThan(1_000);
      // the connection was closed after about the limit: the rest was never sent (socket buffers aside)
      expect(written).toBeLessThan(32 * MiB);
      expect(after.peak - before.peak).toBeLessThan(64 * MiB);
      expect(mcp.child.exitCode).toBeNull();
    },
    120_000,
  );
});
