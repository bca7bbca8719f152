import { createHttpClient } from '@mcp-stack/core';
import { type Connected, connectInMemory } from '@mcp-stack/core/testing';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secureRandomInt } from './random.ts';
import { createDemoServer, type DemoDeps } from './server.ts';

const JOKES = 'http://jokes.test/random_joke';
const upstream = setupServer();
let jokeRequests = 0;

beforeAll(() => upstream.listen({ onUnhandledRequest: 'error' }));
afterEach(() => upstream.resetHandlers());
afterAll(() => upstream.close());

function deps(overrides: Partial<DemoDeps> = {}): DemoDeps {
  return {
    jokes: createHttpClient({ baseUrl: JOKES, timeoutMs: 500, retry: { limit: 2, baseDelayMs: 1 } }),
    random: (min) => min,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    environment: 'test',
    version: '9.9.9',
    clockTickMs: 30,
    ...overrides,
  };
}

const text = (result: Record<string, unknown>) => (result.content as Array<{ text?: string }>)[0]?.text ?? '';

let connected: Connected;
let client: Client;
beforeEach(async () => {
  jokeRequests = 0;
  connected = await connectInMemory(createDemoServer(deps()));
  client = connected.client;
});
afterEach(() => connected.close());

describe('tools', () => {
  it('lists every tool with a description, input and output schemas and annotations', async () => {
    const { tools } = await client.listTools();
    // by name: the same order on every process (core sorts tools/list)
    expect(tools.map((t) => t.name)).toEqual([
      'count_down',
      'fetch_joke',
      'generate_random_number',
      'order_coffee',
      'show_mixed_content',
    ]);
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.annotations).toHaveProperty('readOnlyHint', true);
    }
    expect(tools.find((t) => t.name === 'fetch_joke')?.annotations?.openWorldHint).toBe(true);
    expect(tools.find((t) => t.name === 'show_mixed_content')?.outputSchema).toBeUndefined();
  });

  describe('generate_random_number', () => {
    it('returns the generator value in the range', async () => {
      const result = await client.callTool({
        name: 'generate_random_number',
        arguments: { min_value: 5, max_value: 9 },
      });
      expect(result.structuredContent).toEqual({ value: 5 });
      expect(text(result)).toBe('{"value":5}');
    });

    it.each([
      [
        { min_value: 10, max_value: 1 },
        'INVALID_INPUT: min_value (10) is greater than max_value (1); swap them',
      ],
      [{ min_value: 1.5, max_value: 3 }, 'min_value: min_value must be a whole number'],
      [
        { min_value: 0, max_value: 2 ** 60 },
        `max_value: max_value must be at most ${Number.MAX_SAFE_INTEGER}`,
      ],
      [{ min_value: -(2 ** 60), max_value: 0 }, 'min_value: min_value must be at least'],
      [{ min_value: '1', max_value: 3 }, 'min_value: '],
      [{ max_value: 3 }, 'min_value: '],
      [{ min_value: 1, max_value: 3, seed: 4 }, 'seed: unknown field'],
    ])('refuses %j clearly', async (args, message) => {
      const result = await client.callTool({ name: 'generate_random_number', arguments: args });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^INVALID_INPUT: /);
      expect(text(result)).toContain(message);
    });
  });

  describe('fetch_joke', () => {
    const joke = () =>
      http.get(JOKES, () => {
        jokeRequests++;
        return HttpResponse.json({ id: 7, type: 'general', setup: 'Why?', punchline: 'Because.' });
      });

    it('returns the setup and punchline as data, and the same JSON as its only text', async () => {
      upstream.use(joke());
      const result = await client.callTool({ name: 'fetch_joke', arguments: {} });
      expect(result.structuredContent).toEqual({ setup: 'Why?', punchline: 'Because.' });
      expect(result.content).toEqual([{ type: 'text', text: '{"setup":"Why?","punchline":"Because."}' }]);
      expect(jokeRequests).toBe(1);
    });

    it('retries a failing joke API, then says it is unavailable', async () => {
      upstream.use(
        http.get(JOKES, () => {
          jokeRequests++;
          return new HttpResponse('down', { status: 503 });
        }),
      );
      const result = await client.callTool({ name: 'fetch_joke', arguments: {} });
      expect(jokeRequests).toBe(3);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(
        /^UPSTREAM_ERROR: the joke API failed: GET \/random_joke answered 503.*tried 3 times.*\(ref: [0-9a-f]{12}\)$/,
      );
      // the API's address is the server's business: logged under the ref, never shown
      expect(JSON.stringify(result)).not.toContain('jokes.test');
      expect(result._meta?.['mcp-stack/error']).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true });
    });

    it('names the field when the joke API answers something else', async () => {
      upstream.use(http.get(JOKES, () => HttpResponse.json({ setup: 'Only a setup' })));
      const result = await client.callTool({ name: 'fetch_joke', arguments: {} });
      expect(text(result)).toMatch(/^UPSTREAM_ERROR: .*unexpected body: punchline: /);
    });

    it('reports an unreachable joke API as unavailable', async () => {
      upstream.use(http.get(JOKES, () => HttpResponse.error()));
      const result = await client.callTool({ name: 'fetch_joke', arguments: {} });
      expect(text(result)).toMatch(
        /^UPSTREAM_ERROR: the joke API failed: GET \/random_joke is unavailable \(tried 3 times\)/,
      );
      expect(JSON.stringify(result)).not.toContain('jokes.test');
    });
  });

  describe('count_down', () => {
    it('reports progress and logs at every step', async () => {
      const progress: number[] = [];
      const logs: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(n.params.data);
      });
      const result = await client.callTool(
        { name: 'count_down', arguments: { steps: 3, interval_ms: 5 } },
        undefined,
        {
          onprogress: (p) => progress.push(p.progress),
        },
      );
      expect(result.structuredContent).toEqual({ steps: 3, completed: true });
      expect(progress).toEqual([1, 2, 3]);
      expect(logs).toEqual([
        { step: 1, remaining: 2 },
        { step: 2, remaining: 1 },
        { step: 3, remaining: 0 },
      ]);
    });

    it('stops when the request is cancelled: no progress follows the cancel', async () => {
      const controller = new AbortController();
      const progress: number[] = [];
      let atCancel = -1;
      const call = client
        .callTool({ name: 'count_down', arguments: { steps: 50, interval_ms: 20 } }, undefined, {
          signal: controller.signal,
          onprogress: (p) => {
            progress.push(p.progress);
            if (p.progress === 2) {
              atCancel = progress.length;
              controller.abort('enough');
            }
          },
        })
        .catch((error: unknown) => error);
      expect(await call).toBeInstanceOf(Error);
      // well past several intervals: the server stopped counting
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(progress.length).toBe(atCancel);
    });

    it('refuses out-of-range steps and intervals', async () => {
      for (const args of [
        { steps: 0 },
        { steps: 101 },
        { steps: 2, interval_ms: 5_001 },
        { steps: 2, interval_ms: -1 },
      ]) {
        const result = await client.callTool({ name: 'count_down', arguments: args });
        expect(text(result)).toMatch(/^INVALID_INPUT: .*(steps|interval_ms): /);
      }
    });
  });

  it('show_mixed_content returns text, a PNG image and the embedded app-info resource', async () => {
    const result = await client.callTool({ name: 'show_mixed_content', arguments: {} });
    const [first, image, resource] = result.content as Array<Record<string, any>>;
    expect(first?.type).toBe('text');
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
    expect(Buffer.from(image?.data, 'base64').subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(resource?.type).toBe('resource');
    expect(JSON.parse(resource?.resource.text)).toEqual({
      app_name: 'mcp-stack demo',
      environment: 'test',
      version: '9.9.9',
    });
  });
});

describe('resources', () => {
  it('reads demo://app-info as JSON', async () => {
    const { contents } = await client.readResource({ uri: 'demo://app-info' });
    expect(contents[0]).toMatchObject({ uri: 'demo://app-info', mimeType: 'application/json' });
    expect(JSON.parse(String((contents[0] as { text: string }).text))).toEqual({
      app_name: 'mcp-stack demo',
      environment: 'test',
      version: '9.9.9',
    });
  });

  it('lists everything, the numbers a page at a time', async () => {
    const uris: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listResources(cursor === undefined ? {} : { cursor });
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 20);
    expect(pages).toBe(4);
    expect(uris.slice(0, 2)).toEqual(['demo://app-info', 'demo://clock']);
    expect(uris.slice(2)).toEqual(Array.from({ length: 100 }, (_, i) => `demo://numbers/${i + 1}`));
  });

  it('reads demo://numbers/{n}, and refuses what is not a number', async () => {
    const { contents } = await client.readResource({ uri: 'demo://numbers/13' });
    expect(JSON.parse(String((contents[0] as { text: string }).text))).toEqual({
      n: 13,
      square: 169,
      even: false,
      prime: true,
      binary: '1101',
    });
    for (const uri of ['demo://numbers/abc', 'demo://numbers/-1', 'demo://numbers/99999999']) {
      await expect(client.readResource({ uri })).rejects.toMatchObject({ code: -32002 });
    }
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['demo://numbers/{n}']);
  });

  it('completes n by prefix', async () => {
    const { completion } = await client.complete({
      ref: { type: 'ref/resource', uri: 'demo://numbers/{n}' },
      argument: { name: 'n', value: '9' },
    });
    expect(completion.values).toEqual(['9', '90', '91', '92', '93', '94', '95', '96', '97', '98', '99']);
  });

  it('reads the clock, and tells a subscriber every time it changes', async () => {
    const { contents } = await client.readResource({ uri: 'demo://clock' });
    expect((contents[0] as { text: string }).text).toBe('2026-01-02T03:04:05.000Z');
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await client.subscribeResource({ uri: 'demo://clock' });
    await expect.poll(() => updates.length, { timeout: 3_000 }).toBeGreaterThanOrEqual(2);
    expect(new Set(updates)).toEqual(new Set(['demo://clock']));
    await client.unsubscribeResource({ uri: 'demo://clock' });
  });
});

describe('prompts', () => {
  it('lists both prompts with their arguments', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => [p.name, p.arguments?.map((a) => a.name) ?? []])).toEqual([
      ['greeting_prompt', ['name']],
      ['explain_app_info', []],
    ]);
  });

  it('asks for a warm, concise greeting, and completes names', async () => {
    const { messages } = await client.getPrompt({ name: 'greeting_prompt', arguments: { name: 'Grace' } });
    expect(messages).toEqual([
      {
        role: 'user',
        content: { type: 'text', text: 'Write a warm, concise greeting (one or two sentences) for Grace.' },
      },
    ]);
    const { completion } = await client.complete({
      ref: { type: 'ref/prompt', name: 'greeting_prompt' },
      argument: { name: 'name', value: 'a' },
    });
    expect(completion.values).toEqual(['Ada', 'Alan']);
    await expect(client.getPrompt({ name: 'greeting_prompt', arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('embeds demo://app-info in explain_app_info', async () => {
    const { messages } = await client.getPrompt({ name: 'explain_app_info' });
    expect(messages[0]?.content).toMatchObject({ type: 'resource', resource: { uri: 'demo://app-info' } });
    expect(messages[1]?.content).toMatchObject({ type: 'text' });
  });
});

describe('secureRandomInt', () => {
  it('stays in range, reaches both ends, and handles spans wider than 2^48', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const value = secureRandomInt(-2, 2);
      expect(value).toBeGreaterThanOrEqual(-2);
      expect(value).toBeLessThanOrEqual(2);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
    for (let i = 0; i < 200; i++) {
      const wide = secureRandomInt(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      expect(Number.isSafeInteger(wide)).toBe(true);
    }
    expect(secureRandomInt(7, 7)).toBe(7);
  });

  describe('order_coffee asks the person through a form', () => {
    const withForm = async (answer: Record<string, unknown>) => {
      const asking = await connectInMemory(createDemoServer(deps()), { capabilities: { elicitation: {} } });
      const forms: Array<Record<string, any>> = [];
      asking.client.setRequestHandler(ElicitRequestSchema, async (request) => {
        forms.push(request.params);
        return answer as never;
      });
      try {
        return {
          result: await asking.client.callTool({ name: 'order_coffee', arguments: { note: 'Team' } }),
          forms,
        };
      } finally {
        await asking.close();
      }
    };

    it('shows typed fields and returns what the person chose', async () => {
      const { result, forms } = await withForm({
        action: 'accept',
        content: { name: 'Ada', cups: 2, size: 'large', oat_milk: true },
      });
      expect(forms).toHaveLength(1);
      expect(forms[0]).toMatchObject({
        message: 'Team: what coffee would you like?',
        requestedSchema: {
          properties: {
            name: { type: 'string' },
            cups: { type: 'integer', minimum: 1, maximum: 10 },
            size: { type: 'string', enum: ['small', 'medium', 'large'] },
            oat_milk: { type: 'boolean' },
          },
          required: ['name', 'cups', 'size'],
        },
      });
      expect(result.structuredContent).toEqual({
        ordered: true,
        name: 'Ada',
        cups: 2,
        size: 'large',
        oat_milk: true,
      });
      expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }]);
    });

    it('orders nothing when the person declines, or answers out of the form', async () => {
      expect((await withForm({ action: 'decline' })).result.structuredContent).toEqual({
        ordered: false,
        reason: 'the person chose decline',
      });
      const odd = await withForm({ action: 'accept', content: { name: 'Ada', cups: 99, size: 'large' } });
      expect(odd.result.structuredContent).toMatchObject({ ordered: false, reason: /did not fit the form/ });
    });

    it('says it needs a client that can ask, to one that cannot', async () => {
      const result = await client.callTool({ name: 'order_coffee', arguments: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^UNAVAILABLE: .*needs to ask the client \(elicitation\)/);
    });
  });
});
