// The hostile corpus, sent raw to every server bin over HTTP and over stdio. Every answer must be a
// well-formed JSON-RPC error or tool error result naming what was wrong (or, for notifications,
// nothing); never a 5xx, a stack trace or HTML; and the server answers normally afterwards.
import { type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalRoundTrip, type Rpc, readCatalog } from './catalog.ts';
import { buildCorpus, type Catalog, type CorpusEntry } from './corpus.ts';
import { binCommand, type Deps, SERVERS, type ServerName, startDeps } from './servers.ts';
import {
  exchangeStdio,
  HTTP_HEADERS,
  judgeHttp,
  postRaw,
  RawStdio,
  type Transport,
  type Verdict,
} from './wire.ts';

let deps: Deps;
beforeAll(async () => {
  deps = await startDeps();
});
afterAll(async () => {
  await deps?.close();
});

const httpRpc =
  (url: string): Rpc =>
  async (method, params) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: HTTP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'rpc', method, params }),
    });
    const text = await response.text();
    const data = text.startsWith('{')
      ? text
      : (
          text
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .at(-1) ?? ''
        ).slice(5);
    return JSON.parse(data);
  };

let stdioCalls = 0;
const stdioRpc =
  (stdio: RawStdio): Rpc =>
  async (method, params) => {
    const id = `rpc-${++stdioCalls}`;
    stdio.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    const line = await stdio.take((m) => m?.id === id);
    if (line === undefined)
      throw new Error(`no answer to ${method} (alive: ${stdio.alive()}):\n${stdio.stderr()}`);
    return JSON.parse(line);
  };

interface Run {
  sent: number;
  failures: string[];
}

function record(run: Run, entry: CorpusEntry, verdict: Verdict) {
  run.sent++;
  for (const problem of verdict.problems) run.failures.push(`${entry.label}: ${problem}`);
}

function report(server: ServerName, transport: Transport, run: Run) {
  console.log(
    `[bad-input] ${server} over ${transport}: ${run.sent} hostile requests, ${run.failures.length} failures`,
  );
  expect(run.failures.slice(0, 40), `${run.failures.length} failures`).toEqual([]);
}

describe.each(SERVERS)('%s, fed the hostile corpus', (server) => {
  let http: SpawnedHttp | undefined;
  let stdio: RawStdio | undefined;
  let catalog: Catalog;
  let corpus: CorpusEntry[];

  beforeAll(async () => {
    const { command, args, env } = binCommand(server, deps, 'http');
    http = await spawnHttp(command, [...args, '--http', '--port', '0'], {
      env: { ...env, LOG_LEVEL: 'info' },
    });
    catalog = await readCatalog(httpRpc(http.url));
    corpus = buildCorpus(catalog);
    const s = binCommand(server, deps, 'stdio');
    stdio = new RawStdio(s.command, s.args, s.env);
    if (!(await stdio.initialize()))
      throw new Error(`${server} over stdio did not initialize:\n${stdio.stderr()}`);
  }, 60_000);
  afterAll(async () => {
    if (http && http.child.exitCode === null) {
      http.child.kill('SIGKILL');
    }
    await stdio?.stop();
  });

  it('has at least 200 distinct entries, covering every tool it lists', () => {
    expect(new Set(corpus.map((e) => e.label)).size).toBe(corpus.length);
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    for (const { name } of catalog.tools)
      expect(corpus.filter((e) => e.label.startsWith(`${name}: `)).length, name).toBeGreaterThanOrEqual(10);
  });

  it('over HTTP: answers each with a well-formed refusal, never a 5xx, and still serves normally', async () => {
    const url = (http as SpawnedHttp).url;
    const toolsBefore = await httpRpc(url)('tools/list', {});
    const run: Run = { sent: 0, failures: [] };
    for (const entry of corpus) {
      if (entry.only === 'stdio') continue;
      const answer = await postRaw(url, entry);
      record(run, entry, judgeHttp(entry, answer));
    }
    expect((http as SpawnedHttp).child.exitCode).toBeNull();
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    const jokesBefore = deps.jokeRequests();
    await normalRoundTrip(server, httpRpc(url));
    // fetch_joke went to the local stub, not to the internet
    if (server === 'demo') expect(deps.jokeRequests()).toBeGreaterThan(jokesBefore);
    expect(await httpRpc(url)('tools/list', {})).toEqual(toolsBefore);
    expect((http as SpawnedHttp).stderr()).not.toMatch(/uncaught|unhandled/i);
    report(server, 'http', run);
  }, 180_000);

  it('over stdio: answers each line with a well-formed error, keeps running, and still serves normally', async () => {
    const raw = stdio as RawStdio;
    const toolsBefore = await stdioRpc(raw)('tools/list', {});
    const run: Run = { sent: 0, failures: [] };
    for (const [index, entry] of corpus.entries()) {
      if (entry.only === 'http') continue;
      record(run, entry, await exchangeStdio(raw, entry, `sentinel-${index}`));
      if (!raw.alive()) break;
    }
    expect(raw.alive(), raw.stderr()).toBe(true);
    await normalRoundTrip(server, stdioRpc(raw));
    expect(await stdioRpc(raw)('tools/list', {})).toEqual({ ...toolsBefore, id: expect.any(String) });
    // nothing is left unanswered or answered twice: only server notifications may remain
    const leftovers = raw.pending().filter((line) => !/^\{[^{]*"method":"notifications\//.test(line));
    expect(leftovers.map((l) => l.slice(0, 200))).toEqual([]);
    expect(raw.stderr()).not.toMatch(/uncaught|unhandled/i);
    report(server, 'stdio', run);
  }, 180_000);
});
