import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEra, ERA_MODES, eraServers, runInspector } from './testing-eras.ts';

const servers = eraServers(fileURLToPath(new URL('./test-fixtures/fixture-bin.ts', import.meta.url)));
beforeAll(() => servers.start());
afterAll(() => servers.stop());

describe.each(servers.targets)('the fixture bin over %s, with the SDK v2 client', (_name, target) => {
  it.each(ERA_MODES)('in $name mode lists, calls, reads, gets and completes', async ({ mode, version }) => {
    const connected = await connectEra(target(), mode);
    try {
      const { client } = connected;
      expect(connected.version).toBe(version);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('add');
      expect((await client.callTool({ name: 'add', arguments: { a: 2, b: 5 } })).structuredContent).toEqual({
        sum: 7,
      });
      expect((await client.readResource({ uri: 'fixture://items/apple' })).contents[0]).toMatchObject({
        text: 'item apple',
      });
      const prompt = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
      expect(prompt.messages[0]?.content).toMatchObject({ text: 'Write a warm greeting for Ada.' });
      const completion = await client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'name', value: 'Al' },
      });
      expect(completion.completion.values).toEqual(['Alice', 'Alan']);
    } finally {
      await connected.close();
    }
  });
});

describe('the MCP Inspector CLI, --protocol-era modern', () => {
  it.each([
    ['stdio', () => ['--', process.execPath, ...servers.nodeArgs]],
    ['HTTP', () => ['--server-url', servers.stateless.url]],
  ])(
    'lists and calls a tool over %s',
    async (_name, target) => {
      const listed = (await runInspector([
        '--protocol-era',
        'modern',
        '--method',
        'tools/list',
        ...target(),
      ])) as {
        tools: Array<{ name: string }>;
      };
      expect(listed.tools.map((t) => t.name)).toContain('add');
      const called = (await runInspector([
        '--protocol-era',
        'modern',
        '--method',
        'tools/call',
        '--tool-name',
        'add',
        '--tool-arg',
        'a=1',
        'b=2',
        ...target(),
      ])) as Record<string, unknown>;
      // serverInfo in a result's _meta: only the modern era puts it there
      expect(called).toMatchObject({
        structuredContent: { sum: 3 },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'fixture' } },
      });
    },
    60_000,
  );
});
