// The conformance fixture: a server built with defineServer offering every tool, resource,
// prompt and completion the official conformance suite's scenarios expect (names from the
// suite's own example server), so the whole suite runs against core. A bin like any other:
//   node --conditions=@mcp-stack/source packages/core/src/test-fixtures/conformance-server.ts [--http --port 0]
// What it cannot offer (resumable SSE) is listed in core's README under "Protocol eras"; the
// Tasks extension's tools are in conformance-tasks.ts. Its lists never really change: the suite's
// diagnostic hooks (test_trigger_tool_change, test_trigger_prompt_change) only announce a change,
// which is what the listen checks look for.
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
  type HandlerContext,
  type ServerDefinition,
  type ToolContent,
} from '../server.ts';
import { taskTools } from './conformance-tasks.ts';

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
      ...questionTools(),
      ...taskTools(),
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
        name: 'test_input_required_result_prompt',
        title: 'Prompt That Asks',
        description: 'A prompt that asks the client for its context before it is built',
        get: async (_args, ctx) => {
          const answer = await ctx.elicit('user_context', {
            message: 'What context should the prompt use?',
            requestedSchema: {
              type: 'object',
              properties: { context: { type: 'string' } },
              required: ['context'],
            },
          });
          return `Prompt with context: ${String(answer.content?.context ?? '(none)')}`;
        },
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

/** A form question with one string field, as the suite's scenarios ask them. */
const form = (message: string, field: string, type = 'string') => ({
  message,
  requestedSchema: { type: 'object' as const, properties: { [field]: { type } }, required: [field] },
});
const elicitation = (message: string, field: string, type = 'string') => ({
  method: 'elicitation/create' as const,
  params: form(message, field, type),
});
const sampling = (question: string, maxTokens = 100) => ({
  method: 'sampling/createMessage' as const,
  params: { messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens },
});
const answerText = (answer: unknown) =>
  String((answer as { content?: { text?: unknown } }).content?.text ?? '(no text)');
const field = (answer: unknown, name: string) =>
  String((answer as { content?: Record<string, unknown> }).content?.[name] ?? '(none)');

/**
 * The tools that ask the client: through input_required results in 2026-07-28 (the
 * input-required-result-* scenarios), through server-to-client requests in 2025-11-25
 * (tools-call-sampling, tools-call-elicitation, elicitation-sep1034/sep1330). One handler each,
 * whichever the era: `ctx.ask` is the transport's.
 */
function questionTools() {
  const tool = (
    name: string,
    description: string,
    handler: (args: Record<string, never>, ctx: HandlerContext) => Promise<ToolContent>,
  ) => defineTool({ name, description, input: {}, handler });
  return [
    tool('test_input_required_result_elicitation', 'Asks for a name (one elicitation)', async (_a, ctx) => {
      const { user_name } = await ctx.ask({ user_name: elicitation('What is your name?', 'name') });
      return text(`Hello, ${field(user_name, 'name')}!`);
    }),
    tool(
      'test_input_required_result_sampling',
      'Asks the client model a question (sampling)',
      async (_a, ctx) => {
        const { capital_question } = await ctx.ask({
          capital_question: sampling('What is the capital of France?'),
        });
        return text(`The model answered: ${answerText(capital_question)}`);
      },
    ),
    tool('test_input_required_result_list_roots', "Asks for the client's roots", async (_a, ctx) => {
      const { client_roots } = await ctx.ask({ client_roots: { method: 'roots/list', params: {} } });
      const roots = (client_roots as { roots: unknown[] }).roots;
      return text(`Found ${roots.length} root(s)`);
    }),
    tool(
      'test_input_required_result_request_state',
      'Asks for a confirmation, state carried',
      async (_a, ctx) => {
        const answer = await ctx.elicit('confirm', form('Please confirm', 'ok', 'boolean'));
        return text(answer.content?.ok === true ? 'state-ok: confirmed' : 'state-ok: not confirmed');
      },
    ),
    tool(
      'test_input_required_result_tampered_state',
      'Asks for a confirmation (signed state)',
      async (_a, ctx) => {
        const answer = await ctx.elicit('confirm', form('Please confirm', 'ok', 'boolean'));
        return text(`confirmed: ${String(answer.content?.ok)}`);
      },
    ),
    tool('test_input_required_result_multiple_inputs', 'Asks three questions at once', async (_a, ctx) => {
      const answers = await ctx.ask({
        user_name: elicitation('What is your name?', 'name'),
        capital_question: sampling('What is the capital of France?'),
        client_roots: { method: 'roots/list', params: {} },
      });
      const roots = (answers.client_roots as { roots: unknown[] }).roots;
      return text(
        `name=${field(answers.user_name, 'name')} model=${answerText(answers.capital_question)} roots=${roots.length}`,
      );
    }),
    tool('test_input_required_result_multi_round', 'Asks two questions, one round each', async (_a, ctx) => {
      const name = field(await ctx.elicit('step1', form('Step 1: What is your name?', 'name')), 'name');
      const color = field(
        await ctx.elicit('step2', form('Step 2: What is your favorite color?', 'color')),
        'color',
      );
      return text(`${name} likes ${color}`);
    }),
    tool('test_streaming_elicitation', 'Reports progress, then asks a question', async (_a, ctx) => {
      await ctx.progress(50, 100, 'half way');
      const answer = await ctx.elicit('go_on', form('Carry on?', 'ok', 'boolean'));
      return text(`carried on: ${String(answer.content?.ok)}`);
    }),
    tool(
      'test_input_required_result_capabilities',
      'Asks only what the client can answer',
      async (_a, ctx) => {
        const questions = {
          ...(ctx.canAsk('elicitation') && { elicit_input: elicitation('Elicitation input', 'value') }),
          ...(ctx.canAsk('sampling') && { sample_input: sampling('Sample request', 50) }),
        };
        if (Object.keys(questions).length === 0) return text('capabilities-ok: nothing to ask');
        const answers = await ctx.ask(questions);
        return text(`capabilities-ok: received ${Object.keys(answers).join(',')}`);
      },
    ),
    defineTool({
      name: 'test_sampling',
      description: 'Asks the client model to answer a prompt (sampling)',
      input: { prompt: z.string().describe('The prompt to send to the model') },
      handler: async ({ prompt }, ctx) => {
        const { answer } = await ctx.ask({ answer: sampling(prompt) });
        return text(`LLM response: ${answerText(answer)}`);
      },
    }),
    defineTool({
      name: 'test_elicitation',
      description: 'Asks the person a question (elicitation)',
      input: { message: z.string().describe('The message to show the user') },
      handler: async ({ message }, ctx) => {
        const answer = await ctx.elicit('response', {
          message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        });
        return text(
          `User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`,
        );
      },
    }),
    tool(
      'test_elicitation_sep1034_defaults',
      'Asks a form whose fields have defaults (SEP-1034)',
      async (_a, ctx) => {
        const answer = await ctx.elicit('defaults', {
          message: 'Please review and update the form fields with defaults',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'User name', default: 'John Doe' },
              age: { type: 'integer', description: 'User age', default: 30 },
              score: { type: 'number', description: 'User score', default: 95.5 },
              status: {
                type: 'string',
                description: 'User status',
                enum: ['active', 'inactive', 'pending'],
                default: 'active',
              },
              verified: { type: 'boolean', description: 'Verification status', default: true },
            },
            required: [],
          },
        });
        return text(
          `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`,
        );
      },
    ),
    tool('test_elicitation_sep1330_enums', 'Asks a form of every enum kind (SEP-1330)', async (_a, ctx) => {
      const answer = await ctx.elicit('enums', {
        message: 'Please select options from the enum fields',
        requestedSchema: {
          type: 'object',
          properties: {
            untitledSingle: {
              type: 'string',
              description: 'Select one option',
              enum: ['option1', 'option2', 'option3'],
            },
            titledSingle: {
              type: 'string',
              description: 'Select one option with titles',
              oneOf: [
                { const: 'value1', title: 'First Option' },
                { const: 'value2', title: 'Second Option' },
                { const: 'value3', title: 'Third Option' },
              ],
            },
            legacyEnum: {
              type: 'string',
              description: 'Select one option (legacy)',
              enum: ['opt1', 'opt2', 'opt3'],
              enumNames: ['Option One', 'Option Two', 'Option Three'],
            },
            untitledMulti: {
              type: 'array',
              description: 'Select multiple options',
              minItems: 1,
              maxItems: 3,
              items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            },
            titledMulti: {
              type: 'array',
              description: 'Select multiple options with titles',
              minItems: 1,
              maxItems: 3,
              items: {
                anyOf: [
                  { const: 'value1', title: 'First Choice' },
                  { const: 'value2', title: 'Second Choice' },
                  { const: 'value3', title: 'Third Choice' },
                ],
              },
            },
          },
          required: [],
        },
      });
      return text(
        `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`,
      );
    }),
  ];
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
