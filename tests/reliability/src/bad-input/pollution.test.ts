// Prototype pollution, in this process: the corpus's __proto__ / constructor / prototype payloads
// replayed through each server's own definition over core's HTTP handler, core's stdio transport
// and an in-memory SDK client. Afterwards no built-in prototype has gained or changed a key.
import { PassThrough } from 'node:stream';
import { runStdio, silentLogger } from '@mcp-stack/core';
import { connectInMemory, serveForTest } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RpcAnswer, readCatalog } from './catalog.ts';
import { buildCorpus } from './corpus.ts';
import { MARKER } from './hostile-strings.ts';
import { type Deps, definitionOf, SERVERS, startDeps } from './servers.ts';
import { HTTP_HEADERS, judge, judgeHttp, postRaw } from './wire.ts';

const BUILT_INS: ReadonlyArray<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Object', Object],
];

/** Every own key of every built-in, with what it holds: what pollution would change. */
function snapshot(): Record<string, string[]> {
  const describe = (target: object, key: PropertyKey) => {
    const d = Object.getOwnPropertyDescriptor(target, key);
    return d && 'value' in d ? `${String(key)}=${typeof d.value}` : `${String(key)}=accessor`;
  };
  return Object.fromEntries(
    BUILT_INS.map(([name, target]) => [
      name,
      Reflect.ownKeys(target)
        .map((key) => describe(target, key))
        .sort(),
    ]),
  );
}

function pollutionSeen(): string[] {
  const seen: string[] = [];
  const probe = {} as Record<string, unknown>;
  if (probe[MARKER] !== undefined) seen.push(`({}).${MARKER} is ${String(probe[MARKER])}`);
  if (([] as unknown as Record<string, unknown>)[MARKER] !== undefined) seen.push(`[].${MARKER} is set`);
  if (Object.getPrototypeOf(probe) !== Object.prototype) seen.push('{} has another prototype');
  return seen;
}

let deps: Deps;
let before: Record<string, string[]>;
beforeAll(async () => {
  deps = await startDeps();
  before = snapshot();
});
afterAll(async () => {
  await deps?.close();
});

it('the detector sees a polluted Object.prototype (so a clean result means something)', () => {
  (Object.prototype as Record<string, unknown>)[MARKER] = 'yes';
  try {
    expect(pollutionSeen()).toEqual([`({}).${MARKER} is yes`, `[].${MARKER} is set`]);
    expect(snapshot()).not.toEqual(before);
  } finally {
    delete (Object.prototype as Record<string, unknown>)[MARKER];
  }
  expect(pollutionSeen()).toEqual([]);
  expect(snapshot()).toEqual(before);
});

describe.each(SERVERS)('%s, in-process', (server) => {
  it('answers every pollution payload over HTTP, stdio and in memory, and no prototype changes', async () => {
    const { definition, close } = definitionOf(server, deps, 'pollution');
    const served = await serveForTest(definition, { rateLimit: { rps: 0 } });
    const input = new PassThrough();
    const output = new PassThrough();
    const stdio = await runStdio(definition, { logger: silentLogger(), input, output, handleSignals: false });
    const memory = await connectInMemory(definition);
    try {
      const catalog = await readCatalog(async (method, params) => {
        const response = await fetch(served.url, {
          method: 'POST',
          headers: HTTP_HEADERS,
          body: JSON.stringify({ jsonrpc: '2.0', id: 0, method, params }),
        });
        return (await response.json()) as RpcAnswer;
      });
      const payloads = buildCorpus(catalog).filter((entry) => entry.pollution);
      expect(payloads.length).toBeGreaterThanOrEqual(4 + catalog.tools.length * 2);

      // over core's HTTP handler
      const problems: string[] = [];
      for (const entry of payloads) {
        for (const problem of judgeHttp(entry, await postRaw(served.url, entry)).problems)
          problems.push(`HTTP ${entry.label}: ${problem}`);
      }

      // over core's stdio transport, one line each, answered in any order
      let out = '';
      output.setEncoding('utf8');
      output.on('data', (chunk: string) => (out += chunk));
      input.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '0' } } })}\n`,
      );
      const withIds = payloads.filter((entry) => typeof entry.id === 'number');
      for (const entry of withIds) input.write(`${entry.body}\n`);
      const answerTo = (id: unknown) =>
        out
          .split('\n')
          .filter(Boolean)
          .find((line) => JSON.parse(line).id === id);
      await expect.poll(() => withIds.every((entry) => answerTo(entry.id)), { timeout: 20_000 }).toBe(true);
      for (const entry of withIds) {
        for (const problem of judge(entry, answerTo(entry.id) as string, 'stdio').problems)
          problems.push(`stdio ${entry.label}: ${problem}`);
      }

      // through the SDK client in memory: arguments objects with an own __proto__ key, as JSON.parse makes them
      for (const { name } of catalog.tools) {
        for (const json of [
          `{"__proto__":{"${MARKER}":"yes"}}`,
          `{"constructor":{"prototype":{"${MARKER}":"yes"}}}`,
          `{"prototype":{"${MARKER}":"yes"}}`,
        ]) {
          const args = JSON.parse(json) as Record<string, unknown>;
          const result = await memory.client.callTool({ name, arguments: args });
          const text = JSON.stringify(result);
          if (text.includes(MARKER)) problems.push(`in memory ${name} ${json}: ${text.slice(0, 200)}`);
        }
      }
      expect(problems).toEqual([]);
      expect(pollutionSeen()).toEqual([]);
      expect(snapshot()).toEqual(before);
    } finally {
      await memory.close();
      input.end();
      await stdio.close();
      await served.close();
      close();
    }
  }, 60_000);
});
