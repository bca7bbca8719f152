// Memory: the resident set of each server's bin after start (over stdio, once it has answered
// tools/list; over HTTP, once it listens, idle), and its heap after a full GC across two rounds of
// 10,000 HTTP tool calls (32 connections), read through the inspector (the bin runs with
// --inspect=127.0.0.1:0). Growth between the rounds is what a leak looks like; the first round
// after the warm-up absorbs what the JIT and the caches keep for good.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectHeapProbe } from '@mcp-stack/core/testing';
import { type Benchmark, fmt, freePort, load, ROOT, startServer, stdioHandshake, stopServer } from './lib.ts';

const MiB = 2 ** 20;
const USERS_API_KEY = 'bench-users-api-key-0123456789abcdef';

interface Subject {
  name: string;
  bin: string;
  env: Record<string, string>;
  call: { name: string; arguments: Record<string, unknown> };
}

function rssOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for ${child.pid}`);
  return kib * 1024;
}

const settle = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Starts the bin over stdio, waits for its tools/list answer, and reads its RSS. */
async function stdioRss(subject: Subject): Promise<number> {
  const { child } = await stdioHandshake([subject.bin], { ...subject.env, LOG_LEVEL: 'silent' });
  try {
    await settle(500);
    return rssOf(child);
  } finally {
    child.kill('SIGKILL');
  }
}

export const memory: Benchmark = async (ctx) => {
  const callsPerRound = 10_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-memory-'));
  const usersApiPort = await freePort();
  const usersApi = await startServer([join(ROOT, 'services/users-api/dist/bin.js')], {
    USERS_API_PORT: String(usersApiPort),
    USERS_DB_PATH: join(dataDir, 'users.sqlite'),
    USERS_API_KEY,
    LOG_LEVEL: 'info',
  });
  const rows: string[][] = [];
  const targets = [];
  const figures: Record<string, number> = {};
  try {
    const registered = await fetch(`http://127.0.0.1:${usersApiPort}/users/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${USERS_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'bench_user',
        email: 'bench@example.test',
        password: 'a bench password',
      }),
    });
    if (registered.status !== 201)
      throw new Error(`users-api register: ${registered.status} ${await registered.text()}`);
    const userId = ((await registered.json()) as { id: number }).id;
    const subjects: Subject[] = [
      {
        name: 'users',
        bin: join(ROOT, 'servers/users/dist/bin.js'),
        env: { USERS_API_URL: `http://127.0.0.1:${usersApiPort}`, USERS_API_KEY },
        call: { name: 'get_user', arguments: { user_id: userId } },
      },
      {
        name: 'customer-db',
        bin: join(ROOT, 'servers/customer-db/dist/bin.js'),
        env: { CUSTOMER_DB_PATH: join(dataDir, 'customer-db.sqlite') },
        call: { name: 'get_customer', arguments: { customer_id: '1234' } },
      },
      {
        name: 'demo',
        bin: join(ROOT, 'servers/demo/dist/bin.js'),
        env: {},
        call: { name: 'generate_random_number', arguments: { min_value: 1, max_value: 100 } },
      },
    ];
    for (const subject of subjects) {
      ctx.progress(`${subject.name}: RSS after start`);
      const rssStdio = await stdioRss(subject);
      const port = await freePort();
      const env = { ...subject.env, MCP_RATE_LIMIT_RPS: '0', LOG_LEVEL: 'info' };
      const plain = await startServer([subject.bin, '--http', '--port', String(port)], env);
      await settle(500);
      const rssHttp = rssOf(plain);
      await stopServer(plain);

      // waits for the server's own line: the inspector's "Debugger listening on" comes first
      const server = await startServer(
        ['--inspect=127.0.0.1:0', subject.bin, '--http', '--port', String(port)],
        env,
        /"msg":"listening"/,
      );
      const probe = await connectHeapProbe(server.startupLog);
      const url = `http://127.0.0.1:${port}/mcp`;
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: subject.call });
      const heaps: number[] = [];
      let bad = 0;
      try {
        for (const [round, amount] of [
          ['warm-up', 2_000],
          ['round 1', callsPerRound],
          ['round 2', callsPerRound],
        ] as const) {
          ctx.progress(`${subject.name}: ${round}, ${fmt(amount)} calls`);
          const result = await load(url, 0, { amount, body });
          bad += result.non2xx + result.errors;
          heaps.push(await probe.usedAfterGc());
        }
      } finally {
        probe.close();
        await stopServer(server);
      }
      const [, first = 0, second = 0] = heaps;
      const growth = (second - first) / first;
      rows.push([
        subject.name,
        fmt(rssStdio / MiB, 1),
        fmt(rssHttp / MiB, 1),
        ...heaps.map((h) => fmt(h / MiB, 2)),
        `${fmt(growth * 100, 1)}%`,
        String(bad),
      ]);
      figures[`${subject.name} rss stdio MiB`] = rssStdio / MiB;
      figures[`${subject.name} rss http MiB`] = rssHttp / MiB;
      figures[`${subject.name} heap growth %`] = growth * 100;
      const rss = Math.max(rssStdio, rssHttp);
      targets.push(
        {
          name: `${subject.name} RSS after start`,
          wanted: '< 80 MiB',
          met: rss < 80 * MiB,
          by: `${fmt(rss / MiB, 1)} MiB`,
        },
        {
          name: `${subject.name} heap growth between two rounds of ${fmt(callsPerRound)} calls`,
          wanted: '< 10%',
          met: growth < 0.1 && bad === 0,
          by: `${fmt(growth * 100, 1)}%${bad ? `, ${bad} failed calls` : ''}`,
        },
      );
    }
  } finally {
    await stopServer(usersApi);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    name: 'memory',
    title: `memory (RSS after start; heap in use after a full GC, after a warm-up and after each of two rounds of ${fmt(callsPerRound)} HTTP calls at 32 connections)`,
    table: [
      [
        'server',
        'RSS stdio MiB',
        'RSS HTTP MiB',
        'heap warm-up MiB',
        'heap round 1 MiB',
        'heap round 2 MiB',
        'growth',
        'failed calls',
      ],
      ...rows,
    ],
    targets,
    figures,
  };
};
