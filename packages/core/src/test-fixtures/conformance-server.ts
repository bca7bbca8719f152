// The conformance fixture: a server built with defineServer offering every tool, resource,
// prompt and completion the official conformance suite's scenarios expect (names from the
// suite's own example server), so the whole suite runs against core. A bin like any other:
//   node --conditions=@mcp-stack/source packages/core/src/test-fixtures/conformance-server.ts [--http --port 0]
// What it cannot offer yet (sampling, elicitation, MRTR, tasks) is listed in core's README under
// "Protocol eras". Its lists never really change: the suite's diagnostic hooks
// (test_trigger_tool_change, test_trigger_prompt_change) only announce a change, which is what
// the listen checks look for.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { createMemoryChangeFeed } from '../changes.ts';
import { startCli } from '../cli.ts';
import {
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineServer,
  defineTool,
  type ServerDefinition,
} from '../server.ts';

/** A 1x1 PNG and a tiny WAV, as the suite's example server sends them. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=';

/** The JSON Schema 2020-12 input the json-schema-2020-12 scenario looks for, verbatim. */
const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, never awaited
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

const text = (value: string) => [{ type: 'text' as const, text: value }];

export function createConformanceServer(): ServerDefinition {
  let watched = 0;
  const changes = createMemoryChangeFeed();
  return defineServer({
    name: 'mcp-stack-conformance',
    version: '1.0.0',
    instructions: 'The conformance fixture of @mcp-stack/core: tools, resources and prompts named test_*.',
    changes,
    listChanged: ['tools', 'prompts'],
    tools: [
      defineTool({
        name: 'test_trigger_tool_change',
        description: "Announces a change of the tool list to listeners (the suite's diagnostic hook)",
        input: {},
        handler: async () => {
          await changes.toolsListChanged();
          return text('tools/list_changed sent');
        },
      }),
      defineTool({
        name: 'test_trigger_prompt_change',
        description: "Announces a change of the prompt list to listeners (the suite's diagnostic hook)",
        input: {},
        handler: async () => {
          await changes.promptsListChanged();
          return text('prompts/list_changed sent');
        },
      }),
      defineTool({
        name: 'test_simple_text',
        description: 'Tests simple text content response',
        input: {},
        handler: () => text('This is a simple text response for testing.'),
      }),
      defineTool({
        name: 'test_image_content',
        description: 'Tests image content response',
        input: {},
        handler: () => [{ type: 'image', data: PNG, mimeType: 'image/png' }],
      }),
      defineTool({
        name: 'test_audio_content',
        description: 'Tests audio content response',
        input: {},
        handler: () => [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
      }),
      defineTool({
        name: 'test_embedded_resource',
        description: 'Tests embedded resource content response',
        input: {},
        handler: () => [
          {
            type: 'resource',
            resource: {
              uri: 'test://embedded-resource',
              mimeType: 'text/plain',
              text: 'This is an embedded resource content.',
            },
          },
        ],
      }),
      defineTool({
        name: 'test_multiple_content_types',
        description: 'Tests response with multiple content types (text, image, resource)',
        input: {},
        handler: () => [
          { type: 'text', text: 'Multiple content types test:' },
          { type: 'image', data: PNG, mimeType: 'image/png' },
          {
            type: 'resource',
            resource: {
              uri: 'test://mixed-content-resource',
              mimeType: 'application/json',
              text: JSON.stringify({ test: 'data', value: 123 }),
            },
          },
        ],
      }),
      ...['test_tool_with_logging', 'test_logging_tool'].map((name) =>
        defineTool({
          name,
          description: 'Tests a tool that logs while it runs (only to a client that asked for logs)',
          input: {},
          handler: async (_args, ctx) => {
            for (const step of [
              'Tool execution started',
              'Tool processing data',
              'Tool execution completed',
            ]) {
              await ctx.log('info', step);
              await delay(10);
            }
            return text('Tool with logging executed successfully');
          },
        }),
      ),
      defineTool({
        name: 'test_tool_with_progress',
        description: 'Tests a tool that reports progress notifications',
        input: {},
        handler: async (_args, ctx) => {
          for (const progress of [0, 50, 100]) {
            await ctx.progress(progress, 100, `Completed step ${progress} of 100`);
            await delay(10);
          }
          return text('progress reported');
        },
      }),
      defineTool({
        name: 'test_error_handling',
        description: 'Tests error response handling',
        input: {},
        handler: () => {
          throw new Error('This tool intentionally returns an error for testing');
        },
      }),
      defineTool({
        name: 'test_missing_capability',
        description: 'Needs the client to have declared sampling (refused with -32021 otherwise)',
        input: {},
        clientCapabilities: ['sampling'],
        handler: () => text('the client declared sampling'),
      }),
      defineTool({
        name: 'test_header_param',
        description: 'Mirrors its region parameter into the Mcp-Param-Region header (x-mcp-header)',
        input: { region: z.string().meta({ 'x-mcp-header': 'Region' }).describe('a region') },
        handler: ({ region }) => text(`region ${region}`),
      }),
      defineTool({
        name: 'json_schema_2020_12_tool',
        description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
        input: z.looseObject({}),
        inputJsonSchema: JSON_SCHEMA_2020_12,
        handler: (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
      }),
    ],
    resources: [
      ...['test://static-text', 'test://stateless-static-text'].map((uri) =>
        defineResource({
          uri,
          name: uri.slice('test://'.length),
          title: 'Static Text Resource',
          description: 'A static text resource for testing',
          mimeType: 'text/plain',
          read: () => 'This is the content of the static text resource.',
        }),
      ),
      defineResource({
        uri: 'test://static-binary',
        name: 'static-binary',
        title: 'Static Binary Resource',
        description: 'A static binary resource (image) for testing',
        mimeType: 'image/png',
        read: () => Buffer.from(PNG, 'base64'),
      }),
      defineResourceTemplate({
        uriTemplate: 'test://template/{id}/data',
        name: 'template',
        title: 'Resource Template',
        description: 'A resource template with parameter substitution',
        mimeType: 'application/json',
        read: ({ id }) => ({ json: { id, templateTest: true, data: `Data for ID: ${id}` } }),
      }),
      defineResource({
        uri: 'test://watched-resource',
        name: 'watched-resource',
        title: 'Watched Resource',
        description: 'A resource that changes every few seconds (subscribable on stdio and --stateful)',
        mimeType: 'text/plain',
        read: () => `Watched resource content, version ${watched}`,
        watch: (changed) => {
          const timer = setInterval(() => {
            watched++;
            changed();
          }, 3_000);
          return () => clearInterval(timer);
        },
      }),
    ],
    prompts: [
      definePrompt({
        name: 'test_simple_prompt',
        title: 'Simple Test Prompt',
        description: 'A simple prompt without arguments',
        get: () => 'This is a simple prompt for testing.',
      }),
      definePrompt({
        name: 'test_prompt_with_arguments',
        title: 'Prompt With Arguments',
        description: 'A prompt with required arguments',
        args: {
          arg1: z.string().describe('First test argument'),
          arg2: z.string().describe('Second test argument'),
        },
        complete: { arg1: ['test', 'testing', 'tested'], arg2: ['one', 'two'] },
        get: ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
      }),
      definePrompt({
        name: 'test_prompt_with_embedded_resource',
        title: 'Prompt With Embedded Resource',
        description: 'A prompt that includes an embedded resource',
        args: { resourceUri: z.string().describe('URI of the resource to embed') },
        get: ({ resourceUri }) => [
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: {
                uri: resourceUri,
                mimeType: 'text/plain',
                text: 'Embedded resource content for testing.',
              },
            },
          },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ],
      }),
      definePrompt({
        name: 'test_prompt_with_image',
        title: 'Prompt With Image',
        description: 'A prompt that includes image content',
        get: () => [
          { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
          { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
        ],
      }),
    ],
  });
}

// run as a bin only when executed directly, so tests can import the definition
if (import.meta.url === `file://${process.argv[1]}`) {
  startCli({
    bin: 'conformance-server',
    version: '1.0.0',
    description: 'the conformance fixture of @mcp-stack/core',
    port: 3998,
    options: {},
    create: () => createConformanceServer(),
  });
}
