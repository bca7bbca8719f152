// Property-based tests of every tool's input schema, in-process through an in-memory SDK client:
// generated valid inputs are never refused as INVALID_INPUT (nor fail with INTERNAL), and inputs
// with one field broken are refused with INVALID_INPUT naming that field.
import { type Connected, connectInMemory } from '@mcp-stack/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenArgs, TOOL_SPECS, validArgs } from './arbitraries.ts';
import { type JsonSchema, schemaAccepts } from './corpus.ts';
import { type Deps, definitionOf, SERVERS, type ServerName, startDeps } from './servers.ts';
import { namesField } from './wire.ts';

const FAST_RUNS = 30;
const SLOW_RUNS = 1_000;

let deps: Deps;
beforeAll(async () => {
  deps = await startDeps();
});
afterAll(async () => {
  await deps?.close();
});

type Tools = Array<{ name: string; inputSchema: JsonSchema }>;

const textOf = (result: Awaited<ReturnType<Connected['client']['callTool']>>) =>
  (result.content as Array<{ type: string; text?: string }>).find((c) => c.type === 'text')?.text ?? '';

function propertySuite(server: ServerName, runs: number) {
  let connected: Connected;
  let tools: Tools;
  let release: () => void;
  beforeAll(async () => {
    const { definition, close } = definitionOf(server, deps, `properties-${runs}`);
    release = close;
    connected = await connectInMemory(definition);
    tools = (await connected.client.listTools()).tools as Tools;
  });
  afterAll(async () => {
    await connected?.close();
    release?.();
  });

  it('has an arbitrary for every tool it lists (a new tool must get one)', () => {
    expect(Object.keys(TOOL_SPECS[server]).sort()).toEqual(tools.map((t) => t.name).sort());
  });

  it(
    `accepts generated valid inputs of every tool (${runs} runs each)`,
    async () => {
      for (const { name, inputSchema } of tools) {
        const spec = TOOL_SPECS[server][name];
        if (!spec) throw new Error(`no arbitrary for ${server}/${name}`);
        await fc.assert(
          fc.asyncProperty(validArgs(inputSchema, spec), async (args) => {
            for (const [field, value] of Object.entries(args)) {
              const property = inputSchema.properties?.[field];
              if (!property || !schemaAccepts(property, value))
                throw new Error(
                  `the arbitrary made ${field}=${JSON.stringify(value)}, which the schema refuses`,
                );
            }
            const result = await connected.client.callTool({ name, arguments: args });
            const text = textOf(result);
            if (result.isError && /^(INVALID_INPUT|INTERNAL):/.test(text))
              throw new Error(`${name} refused a valid input: ${text.slice(0, 300)}`);
          }),
          { numRuns: runs },
        );
      }
    },
    60_000 + runs * 200,
  );

  it(
    `refuses generated inputs with one field broken, naming the field (${runs} runs each)`,
    async () => {
      for (const { name, inputSchema } of tools) {
        const spec = TOOL_SPECS[server][name];
        if (!spec) throw new Error(`no arbitrary for ${server}/${name}`);
        await fc.assert(
          fc.asyncProperty(brokenArgs(inputSchema, spec), async ({ args, field, how }) => {
            const result = await connected.client.callTool({ name, arguments: args });
            const text = textOf(result);
            if (!result.isError || !text.startsWith(`INVALID_INPUT: invalid arguments for ${name}: `))
              throw new Error(
                `${name} with ${field} ${how} was not refused as INVALID_INPUT: ${text.slice(0, 300)}`,
              );
            if (!namesField(text.slice(`INVALID_INPUT: invalid arguments for ${name}`.length), field))
              throw new Error(
                `${name} with ${field} ${how}: the error does not name ${field}: ${text.slice(0, 300)}`,
              );
          }),
          { numRuns: runs },
        );
      }
    },
    60_000 + runs * 100,
  );
}

describe.each(SERVERS)('%s tool inputs, property-based', (server) => {
  propertySuite(server, FAST_RUNS);
});

describe.runIf(process.env.MCP_STACK_SLOW_TESTS)('slow: many more runs', () => {
  describe.each(SERVERS)('%s tool inputs, property-based', (server) => {
    propertySuite(server, SLOW_RUNS);
  });
});
