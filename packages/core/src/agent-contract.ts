// The agent contract (core's README, "The agent contract"), checked on a server definition: what
// a model reading tools/list needs to pick the right tool and call it right the first time.
import { NUMERIC_ID_PATTERN } from './ids.ts';
import { toJsonSchema } from './json-schema.ts';
import { type AnyTool, inputObject, isTemplate, type ServerDefinition } from './server.ts';

/** The rules, each one a name a problem is reported under. */
export const AGENT_CONTRACT_RULES = [
  'tool-name',
  'tool-description',
  'argument-description',
  'annotations',
  'annotation-meaning',
  'open-world',
  'output-schema',
  'id-argument',
  'bounded-string',
  'noise-bounds',
  'resource-uri',
  'instructions',
] as const;

export type AgentContractRule = (typeof AGENT_CONTRACT_RULES)[number];

export interface AgentContractProblem {
  rule: AgentContractRule;
  /** The tool, argument or resource at fault: `get_user`, `get_user.user_id`, `customer-db://orders/{id}`. */
  where: string;
  message: string;
}

export interface AgentContractOptions {
  /** Tools that answer content blocks (text, images) rather than data, so have no output schema. */
  contentTools?: ReadonlyArray<string>;
  /** Tools that reach outside this deployment (a public API): the only ones with `openWorldHint: true`. */
  openWorld?: ReadonlyArray<string>;
  /** Verbs a tool name may start with besides the common ones (`VERBS`). */
  verbs?: ReadonlyArray<string>;
}

const READING = ['get', 'list', 'search', 'find', 'fetch', 'read', 'show', 'describe', 'check', 'count'];
const OVERWRITING = ['update', 'set', 'replace', 'delete', 'remove', 'cancel', 'clear', 'reset'];

/** Verbs of calls that change nothing: `readOnlyHint: true`. */
export const READ_VERBS: ReadonlySet<string> = new Set(READING);
/** Verbs of calls that overwrite or remove what was there: `destructiveHint: true`. */
export const DESTRUCTIVE_VERBS: ReadonlySet<string> = new Set(OVERWRITING);

/** The verbs tool names start with: `get_user`, `search_customers`. */
export const VERBS: ReadonlyArray<string> = [
  ...READING,
  ...OVERWRITING,
  'verify',
  'create',
  'register',
  'add',
  'generate',
  'send',
  'start',
  'run',
  'order',
  'upload',
  'import',
  'rename',
  'move',
  'change',
  'stop',
  'close',
  'open',
  'approve',
  'reject',
  'restore',
  'export',
  'explain',
  'summarize',
  'say',
  'greet',
];

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
const MIN_DESCRIPTION = 30;

type Schema = Record<string, unknown>;

/** Every way the definition breaks the agent contract (empty when it keeps it). */
export function agentContractProblems(
  definition: ServerDefinition,
  options: AgentContractOptions = {},
): AgentContractProblem[] {
  const problems: AgentContractProblem[] = [];
  const report = (rule: AgentContractRule, where: string, message: string) =>
    problems.push({ rule, where, message });
  const verbs = new Set([...VERBS, ...(options.verbs ?? [])]);
  const tools = definition.tools ?? [];
  for (const tool of tools) checkTool(tool, verbs, options, report);

  for (const resource of definition.resources ?? []) {
    const uri = isTemplate(resource) ? resource.uriTemplate : resource.uri;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
    if (scheme !== definition.name)
      report(
        'resource-uri',
        uri,
        `a resource URI names its server: ${definition.name}://…, not ${scheme ?? uri}`,
      );
  }

  if (tools.length > 1) {
    const instructions = definition.instructions ?? '';
    const unnamed = tools.filter((tool) => !new RegExp(`\\b${tool.name}\\b`).test(instructions));
    if (unnamed.length)
      report(
        'instructions',
        definition.name,
        `the instructions say when to use which tool; they do not name ${unnamed.map((t) => t.name).join(', ')}`,
      );
  }
  return problems;
}

function checkTool(
  tool: AnyTool,
  verbs: ReadonlySet<string>,
  options: AgentContractOptions,
  report: (rule: AgentContractRule, where: string, message: string) => void,
): void {
  const name = tool.name;
  const verb = name.split('_')[0] ?? '';
  if (!SNAKE.test(name) || !name.includes('_') || !verbs.has(verb))
    report('tool-name', name, 'a tool name is snake_case, a verb then what it acts on: get_user');
  if ((tool.description ?? '').trim().length < MIN_DESCRIPTION)
    report(
      'tool-description',
      name,
      `the description says what the tool does, what it returns and when to use it (at least ${MIN_DESCRIPTION} characters)`,
    );

  const annotations = (tool.annotations ?? {}) as Record<string, unknown>;
  const missing = HINTS.filter((hint) => typeof annotations[hint] !== 'boolean');
  if (missing.length) report('annotations', name, `every hint is explicit; missing ${missing.join(', ')}`);
  const { readOnlyHint, destructiveHint, openWorldHint } = annotations;
  if (readOnlyHint === true && destructiveHint === true)
    report('annotation-meaning', name, 'a read-only tool is not destructive');
  if (READ_VERBS.has(verb) && readOnlyHint === false)
    report('annotation-meaning', name, `a ${verb}_ tool reads: readOnlyHint true`);
  if (DESTRUCTIVE_VERBS.has(verb) && (destructiveHint !== true || readOnlyHint !== false))
    report(
      'annotation-meaning',
      name,
      `a ${verb}_ tool overwrites or removes what was there: readOnlyHint false, destructiveHint true`,
    );
  const openWorld = options.openWorld?.includes(name) ?? false;
  if (openWorldHint === true && !openWorld)
    report(
      'open-world',
      name,
      'openWorldHint true is for tools that reach outside this deployment (a public API)',
    );
  if (openWorldHint === false && openWorld)
    report('open-world', name, 'this tool reaches a public service: openWorldHint true');

  const content = options.contentTools?.includes(name) ?? false;
  if (!tool.output && !content)
    report('output-schema', name, 'a tool that returns data declares an output schema');

  const input = tool.inputJsonSchema ?? toJsonSchema(inputObject(tool.input), 'input');
  const properties = (input.properties ?? {}) as Record<string, Schema>;
  for (const [arg, schema] of Object.entries(properties)) {
    const where = `${name}.${arg}`;
    if (typeof schema.description !== 'string' || schema.description.trim() === '')
      report('argument-description', where, 'every argument is described');
    if ((arg === 'id' || arg.endsWith('_id')) && !isIdSchema(schema))
      report(
        'id-argument',
        where,
        'an id argument takes a JSON number and a digit string (numericId() in @mcp-stack/core), or is a string with a format, pattern or maxLength',
      );
    else if (isUnboundedString(schema))
      report(
        'bounded-string',
        where,
        'a string argument says its limits: maxLength, an enum, a format or a pattern',
      );
  }
  const schemas: Array<[string, unknown]> = [[`${name} input`, input]];
  if (tool.output) schemas.push([`${name} output`, toJsonSchema(tool.output, 'output')]);
  for (const [where, schema] of schemas)
    if (hasNoiseBound(schema))
      report('noise-bounds', where, 'no ±9007199254740991 bounds: they say nothing and cost tokens');
}

function isIdSchema(schema: Schema): boolean {
  const anyOf = schema.anyOf as Schema[] | undefined;
  if (Array.isArray(anyOf))
    return (
      anyOf.some((s) => s.type === 'integer') &&
      anyOf.some((s) => s.type === 'string' && s.pattern === NUMERIC_ID_PATTERN)
    );
  return (
    // a non-numeric id (a name, a UUID): a string that says its form, or at least its length
    schema.type === 'string' &&
    (typeof schema.format === 'string' ||
      typeof schema.pattern === 'string' ||
      typeof schema.maxLength === 'number')
  );
}

function isUnboundedString(schema: Schema): boolean {
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as Schema[]) : [schema];
  return branches.some(
    (s) =>
      s.type === 'string' &&
      s.maxLength === undefined &&
      s.enum === undefined &&
      s.const === undefined &&
      s.format === undefined &&
      s.pattern === undefined,
  );
}

function hasNoiseBound(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasNoiseBound);
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node).some(
    ([key, value]) =>
      (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) ||
      (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) ||
      hasNoiseBound(value),
  );
}

/**
 * Fails (throws, naming every problem with its rule) unless the definition keeps the agent
 * contract. Every server's tests run it, and so do the servers create-server makes.
 */
export function expectAgentContract(definition: ServerDefinition, options: AgentContractOptions = {}): void {
  const problems = agentContractProblems(definition, options);
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  [${p.rule}] ${p.where}: ${p.message}`);
  throw new Error(
    `${definition.name} breaks the agent contract (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
  );
}
