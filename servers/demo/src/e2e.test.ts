import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type Connected,
  connectHttp,
  GENERAL_CONFORMANCE_SCENARIOS,
  runConformance,
  type SpawnedHttp,
  spawnHttp,
  spawnStdio,
} from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@mcp-stack/source', BIN];

/** A local stand-in for the joke API: spawned servers must never reach the internet. */
let jokes: Server;
let jokeUrl: string;
beforeAll(async () => {
  jokes = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 1,
        type: 'general',
        setup: 'What do you call a fake noodle?',
        punchline: 'An impasta.',
      }),
    );
  });
  await new Promise<void>((resolve) => jokes.listen(0, '127.0.0.1', resolve));
  jokeUrl = `http://127.0.0.1:${(jokes.address() as AddressInfo).port}/random_joke`;
});
afterAll(() => jokes.close());

/** Lists and calls everything the demo offers; returns the answers for comparison. */
async function exerciseEverything({ client }: Connected) {
  const tools = (await client.listTools()).tools.map((t) => t.name);
  expect(tools).toEqual([
    'count_down',
    'fetch_joke',
    'generate_random_number',
    'order_coffee',
    'show_mixed_content',
  ]);
  const random = await client.callTool({
    name: 'generate_random_number',
    arguments: { min_value: 1, max_value: 6 },
  });
  const value = (random.structuredContent as { value: number }).value;
  expect(value).toBeGreaterThanOrEqual(1);
  expect(value).toBeLessThanOrEqual(6);
  const joke = await client.callTool({ name: 'fetch_joke', arguments: {} });
  expect(joke.structuredContent).toEqual({
    setup: 'What do you call a fake noodle?',
    punchline: 'An impasta.',
  });
  const progress: number[] = [];
  const countDown = await client.callTool(
    { name: 'count_down', arguments: { steps: 3, interval_ms: 10 } },
    undefined,
    {
      onprogress: (p) => progress.push(p.progress),
    },
  );
  expect(countDown.structuredContent).toEqual({ steps: 3, completed: true });
  // what the protocol promises across processes: increasing values, the last one the total
  // (every step, exactly, is checked in-process by server.test.ts)
  expect(progress.at(-1)).toBe(3);
  expect(progress.every((value, i) => i === 0 || value > (progress[i - 1] as number))).toBe(true);
  const mixed = await client.callTool({ name: 'show_mixed_content', arguments: {} });
  expect((mixed.content as Array<{ type: string }>).map((c) => c.type)).toEqual([
    'text',
    'image',
    'resource',
  ]);
  const bad = await client.callTool({
    name: 'generate_random_number',
    arguments: { min_value: 9, max_value: 1 },
  });
  expect(bad.isError).toBe(true);

  const resources = (await client.listResources()).resources.map((r) => r.uri);
  expect(resources.slice(0, 3)).toEqual(['demo://app-info', 'demo://clock', 'demo://numbers/1']);
  const info = await client.readResource({ uri: 'demo://app-info' });
  const appInfo = JSON.parse(String((info.contents[0] as { text: string }).text));
  expect(appInfo).toEqual({ app_name: 'mcp-stack demo', environment: 'e2e', version: expect.any(String) });
  await client.readResource({ uri: 'demo://clock' });
  const seven = await client.readResource({ uri: 'demo://numbers/7' });
  expect(JSON.parse(String((seven.contents[0] as { text: string }).text)).prime).toBe(true);
  const templates = await client.listResourceTemplates();
  expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['demo://numbers/{n}']);
  const completion = await client.complete({
    ref: { type: 'ref/resource', uri: 'demo://numbers/{n}' },
    argument: { name: 'n', value: '10' },
  });
  expect(completion.completion.values).toEqual(['10', '100']);

  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  expect(prompts).toEqual(['greeting_prompt', 'explain_app_info']);
  const greeting = await client.getPrompt({ name: 'greeting_prompt', arguments: { name: 'Ada' } });
  expect(JSON.stringify(greeting.messages)).toContain('Ada');
  const explain = await client.getPrompt({ name: 'explain_app_info' });
  expect(explain.messages[0]?.content.type).toBe('resource');
  return {
    tools,
    resources,
    prompts,
    joke: joke.content,
    mixed: mixed.content,
    seven: seven.contents,
    bad: bad.content,
  };
}

const answers: Record<string, unknown> = {};

describe('the demo bin over stdio', () => {
  it('lists and calls everything, and subscribes to the clock', async () => {
    const connected = await spawnStdio(process.execPath, NODE_ARGS, {
      env: { JOKE_API_URL: jokeUrl, ENVIRONMENT: 'e2e' },
    });
    try {
      answers.stdio = await exerciseEverything(connected);
      expect(connected.client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    } finally {
      await connected.close();
    }
  });
});

describe('the demo bin over HTTP', () => {
  let server: SpawnedHttp;
  let url: string;
  beforeAll(async () => {
    server = await spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], {
      env: { JOKE_API_URL: jokeUrl, ENVIRONMENT: 'e2e' },
    });
    url = server.url;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('lists and calls everything, with the same answers as over stdio', async () => {
    const connected = await connectHttp(url);
    try {
      answers.http = await exerciseEverything(connected);
      // stateless HTTP offers no subscriptions, and says so
      expect(connected.client.getServerCapabilities()?.resources?.subscribe).toBe(false);
    } finally {
      await connected.close();
    }
    expect(answers.http).toEqual(answers.stdio);
  });

  it.each(GENERAL_CONFORMANCE_SCENARIOS)(
    'passes the conformance scenario %s',
    async (scenario) => {
      await expect(runConformance(url, scenario)).resolves.toContain('0 failed');
    },
    60_000,
  );
});
