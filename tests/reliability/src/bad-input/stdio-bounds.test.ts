// stdio under a hostile or careless client, against each real bin: a client that writes requests
// and never reads stdout cannot grow the server without bound (reading stops at the in-flight
// bound, answers wait in the pipe); a line of 15 MB is read whole and answered; a last request
// with no newline before stdin ends is answered before the server exits.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { endSpawned } from '@mcp-stack/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MiB, memoryOf, mib } from '../shared/memory.ts';
import { binCommand, type Deps, SERVERS, startDeps } from './servers.ts';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const line = (id: number, method = 'tools/list', params: object = {}) =>
  `${JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: META } })}\n`;

let deps: Deps;
beforeAll(async () => {
  deps = await startDeps();
});
afterAll(async () => {
  await deps?.close();
});

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => endSpawned(children));

function start(name: (typeof SERVERS)[number], tag: string) {
  const { command, args, env } = binCommand(name, deps, tag);
  const child = spawn(command, args, { env });
  children.push(child);
  child.stderr.resume();
  return child;
}

/** Resolves with the stdout messages once `done(messages)` holds (or rejects when the process exits first). */
function collect(child: ChildProcessWithoutNullStreams) {
  let text = '';
  const messages: Array<Record<string, unknown>> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    text += chunk;
    let end = text.indexOf('\n');
    while (end !== -1) {
      messages.push(JSON.parse(text.slice(0, end)));
      text = text.slice(end + 1);
      end = text.indexOf('\n');
    }
  });
  return messages;
}

describe.each(SERVERS)('the %s bin over stdio', (name) => {
  it('stops reading while a client that never reads its answers has 64 requests waiting, and stays small', async () => {
    const child = start(name, 'unread');
    // after one answer nobody reads stdout: the pipe fills with answers, and the server must stop
    // taking requests
    const before = await answeredOnce(child);
    let written = 0;
    let blocked = false;
    // write until the pipe to the server stays full: the server no longer reads stdin
    for (let id = 10; id < 200_010 && !blocked; id++) {
      written++;
      if (!child.stdin.write(line(id))) {
        const drained = await Promise.race([
          once(child.stdin, 'drain').then(() => true),
          once(child, 'exit').then(() => {
            throw new Error(`the ${name} server exited under backpressure`);
          }),
          new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false)),
        ]);
        blocked = !drained;
      }
    }
    expect(blocked).toBe(true);
    const during = memoryOf(child.pid as number).rss;
    process.stderr.write(
      `stdio ${name}: ${written} requests written before the pipe stayed full; RSS ${mib(before)} before, ${mib(during)} during\n`,
    );
    // what it held: 64 answers in flight and the pipes' few hundred KiB, not every request written
    expect(
      during - before,
      `RSS ${mib(before)} before, ${mib(during)} with ${written} requests written`,
    ).toBeLessThan(100 * MiB);
    // a reader comes back: everything written is answered, in order of the ids it reads
    const messages = collect(child);
    child.stdout.resume();
    await expect
      .poll(() => messages.length, { timeout: 120_000, interval: 200 })
      .toBeGreaterThanOrEqual(written);
    expect(messages.filter((m) => 'error' in m)).toEqual([]);
  }, 180_000);

  it('reads a 15 MB line whole and answers it, then goes on', async () => {
    const child = start(name, 'long');
    const messages = collect(child);
    const padding = 'x'.repeat(15 * 1024 * 1024);
    // a request with a 15 MB argument, written in 64 KiB pieces as a pipe delivers it
    const big = line(1, 'tools/call', { name: 'no_such_tool', arguments: { padding } });
    const started = performance.now();
    for (let at = 0; at < big.length; at += 64 * 1024) {
      if (!child.stdin.write(big.slice(at, at + 64 * 1024))) await once(child.stdin, 'drain');
    }
    child.stdin.write(line(2));
    await expect.poll(() => messages.map((m) => m.id), { timeout: 60_000 }).toEqual([1, 2]);
    process.stderr.write(
      `stdio ${name}: a 15 MB line answered ${Math.round(performance.now() - started)} ms after it was written\n`,
    );
    // answered, not refused as too large: the server says which tool it does not know
    expect(JSON.stringify(messages[0])).toMatch(/no_such_tool/);
  }, 90_000);

  it('answers a last request that has no newline before stdin ends, then exits 0', async () => {
    const child = start(name, 'eof');
    const messages = collect(child);
    child.stdin.end(line(7).trimEnd());
    const [code] = await once(child, 'exit');
    expect(messages.map((m) => m.id)).toEqual([7]);
    expect(messages[0]).toHaveProperty('result.tools');
    expect(code).toBe(0);
  }, 60_000);
});

/** Sends one request and waits for its answer (the server is up), returning the RSS then. */
async function answeredOnce(child: ChildProcessWithoutNullStreams): Promise<number> {
  child.stdin.write(line(1));
  let text = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) {
        child.stdout.off('data', onData);
        child.stdout.pause();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', () => reject(new Error('exited before answering')));
  });
  return memoryOf(child.pid as number).rss;
}
