import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureServer } from './test-fixtures/fixture-server.ts';
import { type Connected, connectHttp, connectInMemory, serveForTest, spawnStdio } from './testing.ts';

const FIXTURE_BIN = fileURLToPath(new URL('./test-fixtures/fixture-bin.ts', import.meta.url));

interface Transport {
  name: string;
  connect(): Promise<Connected>;
  session: boolean;
  teardown?: () => Promise<unknown>;
}

let served: Awaited<ReturnType<typeof serveForTest>> | undefined;
let servedStateful: Awaited<ReturnType<typeof serveForTest>> | undefined;
const transports: Transport[] = [
  { name: 'in-memory', session: true, connect: () => connectInMemory(createFixtureServer()) },
  {
    name: 'stdio (spawned bin)',
    session: true,
    connect: () => spawnStdio(process.execPath, [FIXTURE_BIN], { env: { LOG_LEVEL: 'debug' } }),
  },
  {
    name: 'stateful HTTP',
    session: true,
    connect: async () => {
      servedStateful ??= await serveForTest(createFixtureServer(), { stateful: { idleMs: 60_000 } });
      return connectHttp(servedStateful.url);
    },
  },
  {
    name: 'stateless HTTP',
    session: false,
    connect: async () => {
      served ??= await serveForTest(createFixtureServer());
      return connectHttp(served.url);
    },
  },
];

afterAll(async () => {
  await served?.close();
  await servedStateful?.close();
});

/** The answers of one run of every call, so two transports can be compared. */
const recorded = new Map<string, unknown[]>();

describe.each(transports)('over $name', (transport) => {
  let connected: Connected;
  let client: Client;
  const answers: unknown[] = [];
  const record = <T>(value: T): T => {
    answers.push(value);
    return value;
  };

  beforeAll(async () => {
    connected = await transport.connect();
    client = connected.client;
    recorded.set(transport.name, answers);
  });
  afterAll(async () => {
    await connected?.close();
  });

  it('initializes with the server info, instructions and the capabilities of this transport', () => {
    expect(client.getServerVersion()).toEqual({ name: 'fixture', version: '1.2.3', title: 'Fixture server' });
    expect(client.getInstructions()).toContain('add numbers');
    const caps = client.getServerCapabilities();
    expect(caps).toMatchObject({ tools: {}, prompts: {}, logging: {}, completions: {} });
    // subscriptions need a session: offered on stdio, not on stateless HTTP
    expect(caps?.resources?.subscribe).toBe(transport.session);
  });

  it('lists tools with JSON schemas, output schemas and annotations', async () => {
    const { tools } = record(await client.listTools());
    expect(tools.map((t) => t.name)).toEqual(['add', 'count_steps', 'explode', 'find_thing', 'write_thing']);
    const add = tools[0];
    expect(add?.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number', description: 'first addend' }, b: { type: 'number' } },
      required: ['a', 'b'],
      additionalProperties: false,
    });
    expect(add?.outputSchema).toMatchObject({ type: 'object', properties: { sum: { type: 'number' } } });
    expect(add?.annotations).toMatchObject({
      readOnlyHint: true,
      idempotentHint: true,
      title: 'Add two numbers',
    });
  });

  it('calls a tool: structuredContent and the same data as JSON text', async () => {
    const result = record(await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } }));
    expect(result.structuredContent).toEqual({ sum: 42 });
    // the contract's one result shape: the same JSON as the only text block
    expect(result.content).toEqual([{ type: 'text', text: '{"sum":42}' }]);
    expect(result.isError).toBeFalsy();
  });

  it('names the fields at fault for invalid arguments, as a tool error', async () => {
    const result = record(await client.callTool({ name: 'add', arguments: { a: 'one', extra: true } }));
    expect(result.isError).toBe(true);
    const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
    expect(text).toMatch(/^INVALID_INPUT: invalid arguments for add: /);
    expect(text).toContain('a: ');
    expect(text).toContain('b: ');
    expect(text).toContain('extra: unknown field');
    // the same facts as data an SDK client reads
    expect(result._meta?.['mcp-stack/error']).toMatchObject({
      code: 'INVALID_INPUT',
      fields: ['a', 'b', 'extra'],
      retryable: false,
    });
  });

  it('keeps a known error and hides an internal one behind a reference', async () => {
    const known = record(await client.callTool({ name: 'find_thing', arguments: { id: '42' } }));
    expect(known).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'NOT_FOUND: no thing with id 42' }],
    });
    const internal = await client.callTool({ name: 'explode', arguments: {} });
    const text = (internal.content as Array<{ text: string }>)[0]?.text ?? '';
    expect(internal.isError).toBe(true);
    expect(text).toMatch(/^INTERNAL: internal error \(ref: [0-9a-f]{12}\)$/);
    expect(JSON.stringify(internal)).not.toContain('hunter2');
    expect(internal._meta?.['mcp-stack/error']).toEqual({
      code: 'INTERNAL',
      message: 'internal error',
      retryable: false,
      ref: text.match(/ref: ([0-9a-f]+)/)?.[1],
    });
  });

  it('answers an unknown tool with a JSON-RPC error', async () => {
    const error = await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: -32602 });
    expect(String((error as Error).message)).toContain('unknown tool: no_such_tool');
    // and keeps answering
    await expect(client.ping()).resolves.toEqual({});
  });

  it('sends progress for each step when asked, and log messages at the level set', async () => {
    const progress: number[] = [];
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logged.push(n.params.data);
    });
    await client.setLoggingLevel('info');
    // no pause between steps: the last progress and the result come back to back (see the
    // pause in dispatch.ts that keeps the SDK client from dropping that progress)
    const result = await client.callTool({ name: 'count_steps', arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(result.structuredContent).toEqual({ steps: 3, completed: true });
    expect(progress).toEqual([1, 2, 3]);
    expect(logged).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it('lists and reads static and templated resources', async () => {
    const { resources } = record(await client.listResources());
    expect(resources.map((r) => r.uri)).toEqual([
      'fixture://info',
      'fixture://items/apple',
      'fixture://items/apricot',
      'fixture://items/banana',
      'fixture://items/blueberry',
      'fixture://items/cherry',
    ]);
    const { resourceTemplates } = record(await client.listResourceTemplates());
    expect(resourceTemplates).toEqual([
      {
        uriTemplate: 'fixture://items/{name}',
        name: 'item',
        description: 'One item by name.',
        mimeType: 'text/plain',
      },
    ]);
    const info = await client.readResource({ uri: 'fixture://info' });
    expect(info.contents[0]).toMatchObject({ uri: 'fixture://info', mimeType: 'application/json' });
    expect(JSON.parse(String((info.contents[0] as { text: string }).text))).toMatchObject({
      name: 'fixture',
    });
    const item = record(await client.readResource({ uri: 'fixture://items/banana' }));
    expect(item.contents).toEqual([
      { uri: 'fixture://items/banana', mimeType: 'text/plain', text: 'item banana' },
    ]);
  });

  it('answers an unknown resource with resource-not-found', async () => {
    for (const uri of ['fixture://nothing', 'fixture://items/durian']) {
      const error = await client.readResource({ uri }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: -32002 });
    }
  });

  it('completes template variables and prompt arguments by prefix', async () => {
    const template = record(
      await client.complete({
        ref: { type: 'ref/resource', uri: 'fixture://items/{name}' },
        argument: { name: 'name', value: 'b' },
      }),
    );
    expect(template.completion).toEqual({ values: ['banana', 'blueberry'], total: 2, hasMore: false });
    const prompt = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'name', value: 'al' },
    });
    expect(prompt.completion.values).toEqual(['Alice', 'Alan']);
  });

  it('lists and gets prompts, refusing missing arguments', async () => {
    const { prompts } = record(await client.listPrompts());
    expect(prompts).toEqual([
      {
        name: 'greet',
        description: 'Asks for a greeting.',
        arguments: [
          { name: 'name', description: 'who to greet', required: true },
          { name: 'tone', required: false },
        ],
      },
    ]);
    const got = record(await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } }));
    expect(got.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Write a warm greeting for Ada.' } },
    ]);
    const error = await client.getPrompt({ name: 'greet', arguments: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: -32602 });
    expect(String((error as Error).message)).toContain('name');
  });

  it.runIf(transport.session)('delivers resource updates to a subscriber until it unsubscribes', async () => {
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await client.subscribeResource({ uri: 'fixture://info' });
    await expect.poll(() => updates.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await client.unsubscribeResource({ uri: 'fixture://info' });
    const count = updates.length;
    await new Promise((r) => setTimeout(r, 200));
    // at most one update already in flight when the unsubscribe landed
    expect(updates.length).toBeLessThanOrEqual(count + 1);
    expect(new Set(updates)).toEqual(new Set(['fixture://info']));
  });

  it.runIf(!transport.session)('refuses subscriptions without a session, saying how to get one', async () => {
    const error = await client.subscribeResource({ uri: 'fixture://info' }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/needs a session|does not support/);
  });
});

describe('across transports', () => {
  it('gives the same answers over stdio and over HTTP', () => {
    const stdio = recorded.get('stdio (spawned bin)');
    const http = recorded.get('stateless HTTP');
    expect(stdio?.length).toBeGreaterThan(8);
    expect(http).toEqual(stdio);
    expect(recorded.get('in-memory')).toEqual(stdio);
    expect(recorded.get('stateful HTTP')).toEqual(stdio);
  });
});
