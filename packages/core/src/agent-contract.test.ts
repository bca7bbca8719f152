import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENT_CONTRACT_RULES, agentContractProblems, expectAgentContract } from './agent-contract.ts';
import { numericId } from './ids.ts';
import {
  type AnyTool,
  defineResourceTemplate,
  defineServer,
  defineTool,
  type ServerDefinition,
} from './server.ts';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const OVERWRITE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

const getThing = (changes: Partial<Parameters<typeof defineTool>[0]> = {}): AnyTool =>
  defineTool({
    name: 'get_thing',
    description: 'One thing by id: its name and size. Find ids with list_things.',
    input: { thing_id: numericId('the thing id, as list_things returns it') },
    output: z.object({ id: z.number().int(), name: z.string() }),
    annotations: READ,
    handler: () => ({ id: 1, name: 'a' }),
    ...(changes as object),
  });

const listThings = defineTool({
  name: 'list_things',
  description: 'Things a page at a time, oldest first; pass next_cursor back for more.',
  input: { cursor: z.string().max(200).optional().describe('next_cursor of the previous page') },
  output: z.object({
    things: z.array(z.object({ id: z.number().int() })),
    next_cursor: z.string().nullable(),
  }),
  annotations: READ,
  handler: () => ({ things: [], next_cursor: null }),
});

function server(tools: AnyTool[], extra: Partial<ServerDefinition> = {}): ServerDefinition {
  return defineServer({
    name: 'things',
    version: '1.0.0',
    instructions: 'Find a thing with list_things, then read it with get_thing.',
    tools,
    resources: [
      defineResourceTemplate({ uriTemplate: 'things://things/{id}', name: 'thing', read: () => 'a' }),
    ],
    ...extra,
  });
}

const rulesBroken = (definition: ServerDefinition, options = {}) => [
  ...new Set(agentContractProblems(definition, options).map((p) => p.rule)),
];

describe('expectAgentContract', () => {
  it('passes a definition that keeps every rule', () => {
    expect(() => expectAgentContract(server([getThing(), listThings]))).not.toThrow();
  });

  it('fails naming the rule, the place and what to do', () => {
    const bad = server([getThing({ annotations: { readOnlyHint: true } }), listThings]);
    expect(() => expectAgentContract(bad)).toThrow(
      /things breaks the agent contract \(1 problem\):\n {2}\[annotations\] get_thing: every hint is explicit; missing destructiveHint, idempotentHint, openWorldHint/,
    );
  });

  // one definition per rule, each breaking that rule alone
  const breaking: Record<(typeof AGENT_CONTRACT_RULES)[number], () => ServerDefinition> = {
    'tool-name': () =>
      server([getThing({ name: 'thing_getter' }), listThings], {
        instructions: 'Find a thing with list_things, then read it with thing_getter.',
      }),
    'tool-description': () => server([getThing({ description: 'Gets a thing.' }), listThings]),
    'argument-description': () =>
      server([getThing({ input: { thing_id: numericId('x').describe('') } }), listThings]),
    annotations: () =>
      server([getThing({ annotations: { readOnlyHint: true, destructiveHint: false } }), listThings]),
    'annotation-meaning': () =>
      server(
        [
          getThing(),
          listThings,
          getThing({ name: 'update_thing', annotations: { ...OVERWRITE, destructiveHint: false } }),
        ],
        { instructions: 'list_things, get_thing, update_thing.' },
      ),
    'open-world': () => server([getThing({ annotations: { ...READ, openWorldHint: true } }), listThings]),
    'output-schema': () => server([getThing({ output: undefined }), listThings]),
    'id-argument': () =>
      // a digit id as a plain string: customer-db's old mistake ("abc" was NOT_FOUND, 1234 refused)
      server([getThing({ input: { thing_id: z.string().min(1).describe('the thing id') } }), listThings]),
    'bounded-string': () =>
      server([
        getThing(),
        { ...listThings, input: { cursor: z.string().optional().describe('the cursor') } },
      ]),
    'noise-bounds': () =>
      server([
        getThing({
          inputJsonSchema: {
            type: 'object',
            properties: {
              thing_id: {
                anyOf: [
                  { type: 'integer', minimum: -9007199254740991 },
                  { type: 'string', pattern: '^[0-9]{1,16}$' },
                ],
                description: 'the id',
              },
            },
          },
        }),
        listThings,
      ]),
    'resource-uri': () =>
      server([getThing(), listThings], {
        resources: [defineResourceTemplate({ uriTemplate: 'thing://{id}', name: 'thing', read: () => 'a' })],
      }),
    instructions: () => server([getThing(), listThings], { instructions: 'Things.' }),
  };

  for (const rule of AGENT_CONTRACT_RULES) {
    it(`fails a definition that breaks ${rule}, and only that rule`, () => {
      const definition = breaking[rule]();
      expect(rulesBroken(definition)).toEqual([rule]);
      expect(() => expectAgentContract(definition)).toThrow(`[${rule}]`);
    });
  }

  it('lets a server name its content tools and the tools that reach a public service', () => {
    const definition = server([
      getThing({ output: undefined, annotations: { ...READ, openWorldHint: true } }),
      listThings,
    ]);
    expect(rulesBroken(definition)).toEqual(['open-world', 'output-schema']);
    expect(rulesBroken(definition, { contentTools: ['get_thing'], openWorld: ['get_thing'] })).toEqual([]);
    // and says so when a named public tool claims otherwise
    expect(rulesBroken(server([getThing(), listThings]), { openWorld: ['get_thing'] })).toEqual([
      'open-world',
    ]);
  });

  it('reads the destructive meaning from the verb: an overwriting update is destructive', () => {
    const update = getThing({ name: 'update_thing', annotations: OVERWRITE });
    const definition = server([getThing(), listThings, update], {
      instructions: 'list_things, get_thing, update_thing.',
    });
    expect(rulesBroken(definition)).toEqual([]);
  });
});

describe('numericId', () => {
  const schema = z.object({ id: numericId('the id') });
  const asText = z.object({ id: numericId('the id', { as: 'string' }) });

  it('takes an id as a JSON number or as a digit string', () => {
    expect(schema.parse({ id: 42 })).toEqual({ id: 42 });
    expect(schema.parse({ id: '42' })).toEqual({ id: 42 });
    expect(asText.parse({ id: 42 })).toEqual({ id: '42' });
    expect(asText.parse({ id: '0042' })).toEqual({ id: '42' });
  });

  it('refuses anything else with one message saying both forms', () => {
    for (const id of ['abc', '', '-1', 0, 1.5, '1e3', 2 ** 53, '9999999999999999', null, true]) {
      const parsed = schema.safeParse({ id });
      expect(parsed.success, `id ${String(id)}`).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/as a number \(42\) or a string of digits \("42"\)/);
    }
  });
});
