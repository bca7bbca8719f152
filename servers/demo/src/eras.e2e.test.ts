// The demo bin with real clients of both protocol eras: the SDK v2 client in each negotiation
// mode over stdio, stateless and --stateful HTTP, and the MCP Inspector CLI in the modern era.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  NO_FIXTURE_EXPECTED_FAILURES,
  NO_FIXTURE_SCENARIOS,
  runConformanceSuite,
} from '@mcp-stack/core/testing';
import {
  connectEra,
  connectWithPerson,
  ERA_MODES,
  eraServers,
  runInspector,
} from '@mcp-stack/core/testing/eras';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// the stateless server's rate limit is off: the conformance runs would trip it (see eraServers)
const servers = eraServers(fileURLToPath(new URL('./bin.ts', import.meta.url)));

/** A local stand-in for the joke API: spawned servers must never reach the internet. */
let jokes: Server;
let env: Record<string, string>;
beforeAll(async () => {
  jokes = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1, type: 'general', setup: 'Why?', punchline: 'Because.' }));
  });
  await new Promise<void>((resolve) => jokes.listen(0, '127.0.0.1', resolve));
  env = { JOKE_API_URL: `http://127.0.0.1:${(jokes.address() as AddressInfo).port}/random_joke` };
  await servers.start(env);
});
afterAll(async () => {
  await servers.stop();
  jokes?.close();
});

describe.each(servers.targets)('the demo bin over %s, with the SDK v2 client', (_name, target) => {
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

describe.each(servers.targets)('order_coffee over %s asks a form', (_name, target) => {
  it('of the SDK v2 client pinned to 2026-07-28, which answers and retries on its own', async () => {
    const connected = await connectWithPerson(target(), { pin: '2026-07-28' }, () => ({
      action: 'accept',
      content: { name: 'Grace', cups: 1, size: 'small' },
    }));
    try {
      const { client } = connected;
      const result = await client.callTool({ name: 'order_coffee', arguments: {} });
      expect(result.structuredContent).toEqual({
        ordered: true,
        name: 'Grace',
        cups: 1,
        size: 'small',
        oat_milk: false,
      });
      expect(connected.forms.map((f) => Object.keys(f.requestedSchema.properties))).toEqual([
        ['name', 'cups', 'size', 'oat_milk'],
      ]);
    } finally {
      await connected.close();
    }
  });
});

describe('the MCP Inspector CLI, --protocol-era modern', () => {
  it.each([
    ['stdio', () => ['-e', `JOKE_API_URL=${env.JOKE_API_URL}`, '--', process.execPath, ...servers.nodeArgs]],
    ['HTTP', () => ['--server-url', servers.stateless.url]],
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
      const report = await runConformanceSuite(servers.stateless.url, {
        specVersion,
        scenarios: scenarios.filter((scenario) => !skipped.includes(scenario)),
        expectedFailures: NO_FIXTURE_EXPECTED_FAILURES,
      });
      expect(report).toContain('Passed');
    },
    120_000,
  );
});
