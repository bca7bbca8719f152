// The demo bin with real clients of both protocol eras: the SDK v2 client in each negotiation
// mode over stdio, stateless and --stateful HTTP, and the MCP Inspector CLI in the modern era.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  NO_FIXTURE_EXPECTED_FAILURES,
  NO_FIXTURE_SCENARIOS,
  runConformanceSuite,
  type SpawnedHttp,
  spawnHttp,
} from '@mcp-stack/core/testing';
import { connectEra, ERA_MODES, type EraTarget, runInspector } from '@mcp-stack/core/testing/eras';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@mcp-stack/source', BIN];
/**
 * The stateless server runs the conformance scenarios too: a few hundred requests in about a
 * second from one address, past the default burst of 100, so its rate limit is off; a 429 would
 * fail checks that test something else.
 */
const NO_RATE_LIMIT = { MCP_RATE_LIMIT_RPS: '0' };

/** A local stand-in for the joke API: spawned servers must never reach the internet. */
let jokes: Server;
let env: Record<string, string>;
let stateless: SpawnedHttp;
let stateful: SpawnedHttp;
beforeAll(async () => {
  jokes = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1, type: 'general', setup: 'Why?', punchline: 'Because.' }));
  });
  await new Promise<void>((resolve) => jokes.listen(0, '127.0.0.1', resolve));
  env = { JOKE_API_URL: `http://127.0.0.1:${(jokes.address() as AddressInfo).port}/random_joke` };
  [stateless, stateful] = await Promise.all([
    spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], {
      env: { ...env, ...NO_RATE_LIMIT },
    }),
    spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0', '--stateful'], { env }),
  ]);
});
afterAll(async () => {
  await Promise.all([stateless?.stop(), stateful?.stop()]);
  jokes?.close();
});

const TARGETS: Array<[string, () => EraTarget]> = [
  ['stdio', () => ({ stdio: { command: process.execPath, args: NODE_ARGS, env } })],
  ['stateless HTTP', () => ({ url: stateless.url })],
  ['--stateful HTTP', () => ({ url: stateful.url })],
];

describe.each(TARGETS)('the demo bin over %s, with the SDK v2 client', (_name, target) => {
  it.each(ERA_MODES)('in $name mode lists, calls, reads, gets and completes', async ({ mode, version }) => {
    const connected = await connectEra(target(), mode);
    try {
      const { client } = connected;
      expect(connected.version).toBe(version);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('fetch_joke');
      const joke = await client.callTool({ name: 'fetch_joke', arguments: {} });
      expect(joke.structuredContent).toEqual({ setup: 'Why?', punchline: 'Because.' });
      const seven = await client.readResource({ uri: 'demo://numbers/7' });
      expect(seven.contents[0]?.uri).toBe('demo://numbers/7');
      const prompt = await client.getPrompt({ name: 'greeting_prompt', arguments: { name: 'Ada' } });
      expect(JSON.stringify(prompt.messages)).toContain('Ada');
      const completion = await client.complete({
        ref: { type: 'ref/prompt', name: 'greeting_prompt' },
        argument: { name: 'name', value: 'A' },
      });
      expect(completion.completion.values).toEqual(['Ada', 'Alan']);
    } finally {
      await connected.close();
    }
  });
});

describe('the MCP Inspector CLI, --protocol-era modern', () => {
  it.each([
    ['stdio', () => ['-e', `JOKE_API_URL=${env.JOKE_API_URL}`, '--', process.execPath, ...NODE_ARGS]],
    ['HTTP', () => ['--server-url', stateless.url]],
  ])(
    'lists and calls a tool over %s',
    async (_name, target) => {
      const modern = ['--protocol-era', 'modern'];
      const listed = (await runInspector([...modern, '--method', 'tools/list', ...target()])) as {
        tools: Array<{ name: string }>;
      };
      expect(listed.tools.map((t) => t.name)).toContain('fetch_joke');
      const called = await runInspector([
        ...modern,
        '--method',
        'tools/call',
        '--tool-name',
        'fetch_joke',
        ...target(),
      ]);
      // serverInfo in a result's _meta: only the modern era puts it there
      expect(called).toMatchObject({
        structuredContent: { setup: 'Why?' },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'demo' } },
      });
    },
    60_000,
  );
});

describe('the official conformance scenarios that need no fixture tools', () => {
  const skipped: ReadonlyArray<string> = [];
  it.each(Object.entries(NO_FIXTURE_SCENARIOS))(
    'pass at %s over stateless HTTP',
    async (specVersion, scenarios) => {
      const report = await runConformanceSuite(stateless.url, {
        specVersion,
        scenarios: scenarios.filter((scenario) => !skipped.includes(scenario)),
        expectedFailures: NO_FIXTURE_EXPECTED_FAILURES,
      });
      expect(report).toContain('Passed');
    },
    120_000,
  );
});
