// Questions to the client (input.ts) as a client sees them: input_required rounds in MCP
// 2026-07-28 over HTTP and stdio, their signed requestState under attack, replicas sharing keys,
// and the legacy era's server-to-client requests.
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiKeyAuthenticator } from './auth.ts';
import { buildTables } from './dispatch.ts';
import { confirmWithPerson } from './input.ts';
import { silentLogger } from './logger.ts';
import { createRequestStateCodec } from './request-state.ts';
import { defineServer, defineTool } from './server.ts';
import { connectInMemory, postModern, type ServedForTest, serveForTest, textOf } from './testing.ts';

const KEY = 'k'.repeat(40);
const ELICIT = { elicitation: {} };

/** A server whose tools ask: `erase` confirms before its one side effect, `survey` asks twice. */
function askingServer() {
  const erased: string[] = [];
  const definition = defineServer({
    name: 'asking',
    version: '1.0.0',
    tools: [
      defineTool({
        name: 'erase',
        description: 'Erases a thing after the person confirms',
        input: { thing: z.string() },
        handler: async ({ thing }, ctx) => {
          await confirmWithPerson(ctx, 'confirm_erase', `Erase ${thing}?`);
          erased.push(thing);
          return `erased ${thing}`;
        },
      }),
      defineTool({
        name: 'survey',
        description: 'Asks a name, then a colour, one round each',
        input: {},
        handler: async (_args, ctx) => {
          const name = await ctx.elicit('name', {
            message: 'Your name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          });
          const colour = await ctx.elicit('colour', {
            message: `Your colour, ${String(name.content?.name)}?`,
            requestedSchema: {
              type: 'object',
              properties: { colour: { type: 'string', enum: ['red', 'blue'] } },
              required: ['colour'],
            },
          });
          return `${String(name.content?.name)} likes ${String(colour.content?.colour)}`;
        },
      }),
    ],
  });
  return { definition, erased };
}

const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

describe('input_required in MCP 2026-07-28 over HTTP', () => {
  let served: ServedForTest;
  let erased: string[];
  beforeAll(async () => {
    const server = askingServer();
    erased = server.erased;
    served = await serveForTest(server.definition, { requestStateKeys: [KEY] });
  });
  afterAll(async () => {
    await served.close();
  });
  const call = (params: Record<string, unknown>, capabilities: Record<string, unknown> = ELICIT) =>
    postModern(served.url, 'tools/call', params, { capabilities });

  it('asks first and acts only on the retry that carries a yes', async () => {
    const first = await call({ name: 'erase', arguments: { thing: 'a' } });
    expect(first.status).toBe(200);
    const asked = first.json.result;
    expect(asked).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        confirm_erase: {
          method: 'elicitation/create',
          params: { message: 'Erase a?', requestedSchema: { required: ['confirm'] } },
        },
      },
      requestState: expect.any(String),
    });
    expect(erased).toEqual([]);

    const no = await call({
      name: 'erase',
      arguments: { thing: 'a' },
      inputResponses: { confirm_erase: { action: 'decline' } },
      requestState: asked.requestState,
    });
    expect(no.json.result).toMatchObject({ resultType: 'complete', isError: true });
    expect(no.json.result.content[0].text).toMatch(/^CANCELLED: nothing was done: the person declined/);
    expect(erased).toEqual([]);

    const yes = await call({
      name: 'erase',
      arguments: { thing: 'a' },
      inputResponses: { confirm_erase: accept({ confirm: true }) },
      requestState: asked.requestState,
    });
    expect(yes.json.result).toMatchObject({ resultType: 'complete', content: [{ text: 'erased a' }] });
    expect(erased).toEqual(['a']);
  });

  it('carries earlier answers in a new state from round to round', async () => {
    const r1 = (await call({ name: 'survey', arguments: {} })).json.result;
    expect(Object.keys(r1.inputRequests)).toEqual(['name']);
    const r2 = (
      await call({
        name: 'survey',
        arguments: {},
        inputResponses: { name: accept({ name: 'Ada' }) },
        requestState: r1.requestState,
      })
    ).json.result;
    expect(r2.resultType).toBe('input_required');
    expect(r2.inputRequests.colour.params.message).toBe('Your colour, Ada?');
    expect(r2.requestState).not.toBe(r1.requestState);
    // round 3 answers only the colour: the name comes from the signed state
    const r3 = await call({
      name: 'survey',
      arguments: {},
      inputResponses: { colour: accept({ colour: 'blue' }) },
      requestState: r2.requestState,
    });
    expect(r3.json.result.content[0].text).toBe('Ada likes blue');
  });

  it('goes on without asking when the client declared no elicitation (its host saw destructiveHint)', async () => {
    const { json } = await call({ name: 'erase', arguments: { thing: 'b' } }, {});
    expect(json.result.content[0].text).toBe('erased b');
    expect(erased).toContain('b');
  });

  it('refuses with -32021 (HTTP 400) a question the client cannot answer', async () => {
    const { status, json } = await call({ name: 'survey', arguments: {} }, { sampling: {} });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { elicitation: {} } },
    });
  });

  it('ignores answers to questions never asked, and asks again', async () => {
    const { json } = await call({
      name: 'erase',
      arguments: { thing: 'c' },
      inputResponses: { something_else: accept({ confirm: true }) },
    });
    expect(json.result.resultType).toBe('input_required');
    // an answer under the right key, to a question the last round did not ask, is ignored too
    const r1 = (await call({ name: 'survey', arguments: {} })).json.result;
    const r2 = await call({
      name: 'survey',
      arguments: {},
      inputResponses: { name: accept({ name: 'Ada' }), colour: accept({ colour: 'red' }) },
      requestState: r1.requestState,
    });
    expect(r2.json.result).toMatchObject({ resultType: 'input_required', inputRequests: { colour: {} } });
    expect(erased).not.toContain('c');
  });

  it.each([
    [
      'a number for an answer',
      { confirm_erase: 12345 },
      /inputResponses\["confirm_erase"\] is not a result of elicitation\/create/,
    ],
    [
      'a field of the wrong type',
      { confirm_erase: accept({ confirm: 'yes' }) },
      /content\.confirm must be boolean/,
    ],
    ['a missing required field', { confirm_erase: accept({}) }, /content\.confirm is required/],
    ['null for inputResponses', null, /inputResponses must be an object/],
  ])('refuses %s with -32602 naming it', async (_name, inputResponses, message) => {
    const { json } = await call({ name: 'erase', arguments: { thing: 'd' }, inputResponses });
    expect(json.error.code).toBe(-32602);
    expect(json.error.message).toMatch(message);
    expect(erased).not.toContain('d');
  });

  it.each([
    [
      'forged (one character changed)',
      (s: string) => `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`,
      'bad_signature',
    ],
    ['truncated', (s: string) => s.slice(0, s.length - 5), 'bad_signature'],
    ['cut to one part', (s: string) => s.split('.')[0] as string, 'malformed'],
    ['oversized', () => `v1.${'A'.repeat(20_000)}.x`, 'too_large'],
    ['not a string', () => 42, undefined],
  ])('refuses a %s requestState with -32602, doing nothing', async (_name, tamper, problem) => {
    const r1 = (await call({ name: 'erase', arguments: { thing: 'e' } })).json.result;
    const { json } = await call({
      name: 'erase',
      arguments: { thing: 'e' },
      inputResponses: { confirm_erase: accept({ confirm: true }) },
      requestState: (tamper as (s: string) => unknown)(r1.requestState),
    });
    expect(json.error.code).toBe(-32602);
    if (problem) expect(json.error.data).toEqual({ problem });
    expect(json.error.message).toMatch(/requestState/);
    expect(erased).not.toContain('e');
  });

  it('refuses a state replayed on another request (other arguments)', async () => {
    const r1 = (await call({ name: 'erase', arguments: { thing: 'f' } })).json.result;
    const { json } = await call({
      name: 'erase',
      arguments: { thing: 'g' },
      inputResponses: { confirm_erase: accept({ confirm: true }) },
      requestState: r1.requestState,
    });
    expect(json.error).toMatchObject({ code: -32602, data: { problem: 'other_request' } });
    expect(erased).not.toContain('g');
  });
});

describe('requestState across callers, replicas and time', () => {
  it('refuses a state presented by another caller', async () => {
    const { definition, erased } = askingServer();
    const served = await serveForTest(definition, {
      auth: apiKeyAuthenticator(['alice:alice-secret-0123456789', 'mallory:mallory-secret-0123456789']),
    });
    try {
      const as = (secret: string, params: Record<string, unknown>) =>
        postModern(served.url, 'tools/call', params, {
          capabilities: ELICIT,
          headers: { authorization: `Bearer ${secret}` },
        });
      const r1 = (await as('alice-secret-0123456789', { name: 'erase', arguments: { thing: 'x' } })).json
        .result;
      const { json } = await as('mallory-secret-0123456789', {
        name: 'erase',
        arguments: { thing: 'x' },
        inputResponses: { confirm_erase: accept({ confirm: true }) },
        requestState: r1.requestState,
      });
      expect(json.error).toMatchObject({ code: -32602, data: { problem: 'other_caller' } });
      expect(erased).toEqual([]);
    } finally {
      await served.close();
    }
  });

  it('lets any replica sharing the keys take the retry, and no other', async () => {
    const a = askingServer();
    const b = askingServer();
    const c = askingServer();
    const [one, two, stranger] = await Promise.all([
      serveForTest(a.definition, { requestStateKeys: [KEY] }),
      // a rotated key first: states signed with the old one still open
      serveForTest(b.definition, { requestStateKeys: ['n'.repeat(40), KEY] }),
      serveForTest(c.definition, { requestStateKeys: ['z'.repeat(40)] }),
    ]);
    try {
      const r1 = (
        await postModern(
          one.url,
          'tools/call',
          { name: 'erase', arguments: { thing: 'y' } },
          { capabilities: ELICIT },
        )
      ).json.result;
      const retry = {
        name: 'erase',
        arguments: { thing: 'y' },
        inputResponses: { confirm_erase: accept({ confirm: true }) },
        requestState: r1.requestState,
      };
      const elsewhere = await postModern(stranger.url, 'tools/call', retry, { capabilities: ELICIT });
      expect(elsewhere.json.error).toMatchObject({ code: -32602, data: { problem: 'bad_signature' } });
      const replica = await postModern(two.url, 'tools/call', retry, { capabilities: ELICIT });
      expect(replica.json.result.content[0].text).toBe('erased y');
      expect([a.erased, b.erased, c.erased]).toEqual([[], ['y'], []]);
    } finally {
      await Promise.all([one.close(), two.close(), stranger.close()]);
    }
  });

  it('refuses a state presented after it expired', async () => {
    let now = Date.now();
    const { definition, erased } = askingServer();
    const tables = buildTables(definition, {
      requestState: createRequestStateCodec({ keys: [KEY], ttlMs: 60_000, now: () => now }),
    });
    const env = {
      requestId: 1,
      signal: new AbortController().signal,
      logger: silentLogger(),
      session: {},
      modern: { version: '2026-07-28', clientCapabilities: ELICIT },
    };
    const r1 = (await tables.handle('tools/call', { name: 'erase', arguments: { thing: 'z' } }, env)) as {
      requestState: string;
    };
    now += 60_001;
    await expect(
      tables.handle(
        'tools/call',
        {
          name: 'erase',
          arguments: { thing: 'z' },
          inputResponses: { confirm_erase: accept({ confirm: true }) },
          requestState: r1.requestState,
        },
        env,
      ),
    ).rejects.toMatchObject({ code: -32602, data: { problem: 'expired' }, message: /has expired/ });
    expect(erased).toEqual([]);
  });
});

describe('questions in the legacy era', () => {
  it('asks with elicitation/create on a connection whose client declared it', async () => {
    const { definition, erased } = askingServer();
    const { client, close } = await connectInMemory(definition, { capabilities: { elicitation: {} } });
    try {
      const asked: string[] = [];
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { confirm: !request.params.message.includes('keep') } };
      });
      expect(textOf(await client.callTool({ name: 'erase', arguments: { thing: 'old' } }))).toBe(
        'erased old',
      );
      const kept = await client.callTool({ name: 'erase', arguments: { thing: 'keep-me' } });
      expect(kept.isError).toBe(true);
      expect(textOf(kept)).toMatch(/CANCELLED: nothing was done: the person did not confirm/);
      expect(asked).toEqual(['Erase old?', 'Erase keep-me?']);
      expect(erased).toEqual(['old']);
    } finally {
      await close();
    }
  });

  it('says what is missing when the client did not declare elicitation, where a tool must ask', async () => {
    const { definition } = askingServer();
    const { client, close } = await connectInMemory(definition);
    try {
      const result = await client.callTool({ name: 'survey', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /UNAVAILABLE: .*needs to ask the client \(elicitation\).*did not declare/,
      );
    } finally {
      await close();
    }
  });

  it('answers a clear tool error over stateless HTTP, which has no way to ask', async () => {
    const { definition } = askingServer();
    const served = await serveForTest(definition);
    try {
      const response = await fetch(served.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'survey', arguments: {} },
        }),
      });
      const { result } = (await response.json()) as {
        result: { isError: boolean; content: Array<{ text: string }> };
      };
      expect(result.isError).toBe(true);
      expect(result.content[0]?.text).toMatch(
        /this connection cannot: connect with MCP 2026-07-28, stdio, or a --stateful session/,
      );
    } finally {
      await served.close();
    }
  });
});
