// The users bin with real clients of both protocol eras: the SDK v2 client in each negotiation
// mode over stdio, stateless and --stateful HTTP, and the MCP Inspector CLI in the modern era.
// Tools only here: nothing to read, get or complete.
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
import { API_KEY, startTestUsersApi, type TestUsersApi } from './test-fixtures/users-api.ts';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@mcp-stack/source', BIN];
/**
 * The stateless server runs the conformance scenarios too: a few hundred requests in about a
 * second from one address, past the default burst of 100, so its rate limit is off; a 429 would
 * fail checks that test something else.
 */
const NO_RATE_LIMIT = { MCP_RATE_LIMIT_RPS: '0' };

let api: TestUsersApi;
let env: Record<string, string>;
let stateless: SpawnedHttp;
let stateful: SpawnedHttp;
let userId: number;
beforeAll(async () => {
  api = await startTestUsersApi();
  env = { USERS_API_URL: api.url, USERS_API_KEY: API_KEY };
  [stateless, stateful] = await Promise.all([
    spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], {
      env: { ...env, ...NO_RATE_LIMIT },
    }),
    spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0', '--stateful'], { env }),
  ]);
  const setup = await connectEra({ url: stateless.url }, 'legacy');
  try {
    const registered = await setup.client.callTool({
      name: 'register_user',
      arguments: { username: 'era_user', email: 'era@example.com', password: 'era-password-123' },
    });
    userId = (registered.structuredContent as { id: number }).id;
  } finally {
    await setup.close();
  }
});
afterAll(async () => {
  await Promise.all([stateless?.stop(), stateful?.stop()]);
  await api?.stop();
});

const TARGETS: Array<[string, () => EraTarget]> = [
  ['stdio', () => ({ stdio: { command: process.execPath, args: NODE_ARGS, env } })],
  ['stateless HTTP', () => ({ url: stateless.url })],
  ['--stateful HTTP', () => ({ url: stateful.url })],
];

describe.each(TARGETS)('the users bin over %s, with the SDK v2 client', (_name, target) => {
  it.each(ERA_MODES)('in $name mode lists and calls tools', async ({ mode, version }) => {
    const connected = await connectEra(target(), mode);
    try {
      const { client } = connected;
      expect(connected.version).toBe(version);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('get_user');
      const user = await client.callTool({ name: 'get_user', arguments: { user_id: userId } });
      expect(user.structuredContent).toMatchObject({ id: userId, username: 'era_user' });
    } finally {
      await connected.close();
    }
  });
});

describe('the MCP Inspector CLI, --protocol-era modern', () => {
  it.each([
    [
      'stdio',
      () => [
        '-e',
        `USERS_API_URL=${env.USERS_API_URL}`,
        '-e',
        `USERS_API_KEY=${API_KEY}`,
        '--',
        process.execPath,
        ...NODE_ARGS,
      ],
    ],
    ['HTTP', () => ['--server-url', stateless.url]],
  ])(
    'lists and calls a tool over %s',
    async (_name, target) => {
      const modern = ['--protocol-era', 'modern'];
      const listed = (await runInspector([...modern, '--method', 'tools/list', ...target()])) as {
        tools: Array<{ name: string }>;
      };
      expect(listed.tools.map((t) => t.name)).toContain('get_user');
      const called = await runInspector([
        ...modern,
        '--method',
        'tools/call',
        '--tool-name',
        'get_user',
        '--tool-arg',
        `user_id=${userId}`,
        ...target(),
      ]);
      // serverInfo in a result's _meta: only the modern era puts it there
      expect(called).toMatchObject({
        structuredContent: { id: userId },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'users' } },
      });
    },
    60_000,
  );
});

describe('the official conformance scenarios that need no fixture tools', () => {
  const skipped: ReadonlyArray<string> = ['resources-list', 'prompts-list', 'sep-2164-resource-not-found'];
  it.each(Object.entries(NO_FIXTURE_SCENARIOS))(
    'pass at %s over stateless HTTP',
    async (specVersion, scenarios) => {
      const report = await runConformanceSuite(stateless.url, {
        specVersion,
        scenarios: scenarios.filter((scenario) => !skipped.includes(scenario)),
        // the caching scenario asks for lists this server has not (it rightly answers -32601)
        expectedFailures: [
          ...NO_FIXTURE_EXPECTED_FAILURES,
          'caching:sep-2549-prompts-list-caching-hints',
          'caching:sep-2549-resources-list-caching-hints',
          'caching:sep-2549-resources-templates-list-caching-hints',
        ],
      });
      expect(report).toContain('Passed');
    },
    120_000,
  );
});
