// The agent contract (core's README): the check on the definition, and an agent's session.
import { createHttpClient } from '@mcp-stack/core';
import { connectInMemory, errorDataOf, expectAgentContract, textOf } from '@mcp-stack/core/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoServer, type DemoDeps } from './server.ts';

const JOKES = 'http://jokes.internal.test:8123/random_joke';
const upstream = setupServer();
beforeAll(() => upstream.listen({ onUnhandledRequest: 'error' }));
afterEach(() => upstream.resetHandlers());
afterAll(() => upstream.close());

const deps = (): DemoDeps => ({
  jokes: createHttpClient({ baseUrl: JOKES, timeoutMs: 500, retry: { limit: 0 } }),
  random: (min) => min,
  now: () => new Date('2026-01-02T03:04:05.000Z'),
  environment: 'test',
  version: '9.9.9',
});

/** What demo declares beyond the defaults: its content tool and the one tool that reaches a public API. */
const DEMO_CONTRACT = { contentTools: ['show_mixed_content'], openWorld: ['fetch_joke'] };

describe('the agent contract', () => {
  it('holds for the demo definition', () => {
    expectAgentContract(createDemoServer(deps()), DEMO_CONTRACT);
  });

  it('an agent session: a bad argument names its code and field as data; no answer names the upstream', async () => {
    const { client, close } = await connectInMemory(createDemoServer(deps()));
    try {
      const bad = await client.callTool({
        name: 'generate_random_number',
        arguments: { min_value: 'one', max_value: 5 },
      });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/^INVALID_INPUT: /);
      expect(errorDataOf(bad)).toMatchObject({
        code: 'INVALID_INPUT',
        fields: ['min_value'],
        retryable: false,
      });

      // a rule the schema cannot say, from the handler: both fields named
      const swapped = await client.callTool({
        name: 'generate_random_number',
        arguments: { min_value: 9, max_value: 1 },
      });
      expect(errorDataOf(swapped)).toMatchObject({
        code: 'INVALID_INPUT',
        fields: ['min_value', 'max_value'],
      });

      upstream.use(http.get(JOKES, () => new HttpResponse('down', { status: 503 })));
      const failed = await client.callTool({ name: 'fetch_joke', arguments: {} });
      expect(errorDataOf(failed)).toMatchObject({
        code: 'UPSTREAM_ERROR',
        retryable: true,
        ref: expect.any(String),
      });
      upstream.use(http.get(JOKES, () => HttpResponse.error()));
      const unreachable = await client.callTool({ name: 'fetch_joke', arguments: {} });
      for (const answer of [bad, swapped, failed, unreachable, await client.listTools()]) {
        expect(JSON.stringify(answer)).not.toMatch(/jokes\.internal|8123|https?:\/\//);
      }
    } finally {
      await close();
    }
  });
});
