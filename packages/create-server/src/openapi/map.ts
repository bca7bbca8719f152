import { DESTRUCTIVE_VERBS, READ_VERBS, TOOL_VERBS } from '@mcp-stack/core';
import { snakeCase } from '../names.ts';
import type { Json } from './load.ts';
import { sampleJson } from './sample.ts';
import { fieldSource, isObject, objectParts, Resolver, Unmappable, zodSource } from './zod-source.ts';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
type Method = (typeof METHODS)[number];

/** All four hints, explicit (core's agent contract). */
export interface ToolAnnotationsPlan {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** Where one tool argument goes in the request. */
export interface ArgPlan {
  /** The tool argument (snake_case). */
  arg: string;
  in: 'path' | 'query' | 'header' | 'body';
  /** The name the API knows (a body field, a parameter); `''` for a whole body. */
  name: string;
  required: boolean;
  /** zod source, with `.optional()`/`.default()` when not required. */
  zod: string;
  /** A numeric id (core's `numericId`: a number or its digits). */
  numericId?: boolean;
}

/** Everything needed to write one tool file. */
export interface ToolPlan {
  name: string;
  operationId?: string;
  method: Uppercase<Method>;
  path: string;
  tags: string[];
  title?: string;
  description: string;
  args: ArgPlan[];
  /** When the body is sent as a whole (not an object): its argument. */
  wholeBody?: string;
  /** zod source of a `z.object` output, or undefined (the tool returns the JSON as text). */
  output?: string;
  /** Set when the success body is an array: the output wraps it as `{ items }`. */
  wrapArray?: boolean;
  /** A DELETE without a JSON answer: the output says what was deleted, `{ deleted: true, <path args> }`. */
  deleted?: boolean;
  /** For the generated test: a success answer the output schema accepts (JSON), when one could be made. */
  successBody?: unknown;
  annotations: ToolAnnotationsPlan;
}

export interface MapOptions {
  /** Keep operations with one of these tags or operationIds (or tool names); all when empty. */
  include?: ReadonlyArray<string>;
  /** Drop operations with one of these tags or operationIds (or tool names). */
  exclude?: ReadonlyArray<string>;
}

export interface Mapping {
  tools: ToolPlan[];
  /** `skipped GET /x (op): why`, one per operation left out. */
  warnings: string[];
  /** Where the API lives when the document says (`servers[0].url`, absolute only). */
  serverUrl?: string;
  /** How the API authenticates, from its security schemes. */
  auth: { kind: 'bearer' } | { kind: 'apiKey'; header: string } | { kind: 'none' };
  title: string;
  /** Answer schemas several operations use, declared once in src/schemas.ts, in order. */
  shared: Array<{ id: string; source: string }>;
}

/**
 * The four hints, by the agent contract's meaning: a read is read-only and idempotent; PUT and
 * PATCH overwrite what was there (destructive), DELETE removes it; a tool named with a destructive
 * verb (`update_`, `cancel_`…) is destructive whatever its method. `openWorldHint` is false: the
 * API is the deployment's own service (set it true by hand for a public API you do not run).
 */
export function annotationsFor(method: string, name = ''): ToolAnnotationsPlan {
  const verb = name.split('_')[0] ?? '';
  const plan = (readOnlyHint: boolean, destructiveHint: boolean, idempotentHint: boolean) => ({
    readOnlyHint,
    destructiveHint,
    idempotentHint,
    openWorldHint: false,
  });
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
    case 'OPTIONS':
      return plan(true, false, true);
    case 'PUT':
    case 'DELETE':
      return plan(false, true, true);
    case 'PATCH':
      return plan(false, true, false);
    default:
      if (READ_VERBS.has(verb)) return plan(true, false, true);
      return plan(false, DESTRUCTIVE_VERBS.has(verb), false);
  }
}

const VERB: Record<string, string> = {
  get: 'get',
  post: 'create',
  put: 'replace',
  patch: 'update',
  delete: 'delete',
  head: 'check',
  options: 'describe',
};

/** `getUserById` → `get_user_by_id`; without one, `GET /users/{id}` → `get_users_by_id`. */
export function toolName(method: string, path: string, operationId?: string): string {
  let name: string;
  if (operationId) name = snakeCase(operationId);
  else {
    const words = path
      .split('/')
      .filter(Boolean)
      .map((part) => (part.startsWith('{') ? `by_${snakeCase(part)}` : snakeCase(part)));
    name = [VERB[method] ?? method, ...words].join('_');
  }
  // a verb first (the agent contract): `health` → `get_health`
  if (!TOOL_VERBS.includes(name.split('_')[0] ?? '')) name = `${VERB[method] ?? 'call'}_${name}`;
  return name.slice(0, 64).replace(/_+$/, '');
}

const SKIPPED_HEADERS = new Set(['authorization', 'accept', 'content-type', 'content-length', 'user-agent']);

function matches(
  list: ReadonlyArray<string>,
  op: { operationId: string | undefined; tags: string[]; name: string },
) {
  return list.some((item) => item === op.operationId || item === op.name || op.tags.includes(item));
}

/** One tool per operation of an OpenAPI 3.0/3.1 document; what cannot be mapped is skipped with a warning. */
export function mapOpenApi(doc: Json, options: MapOptions = {}): Mapping {
  const resolver = new Resolver(doc);
  resolver.shared = { names: sharedComponents(doc), defs: new Map() };
  const tools: ToolPlan[] = [];
  const warnings: string[] = [];
  const taken = new Set<string>();
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    if (!isObject(rawItem)) continue;
    const item = resolver.resolve(rawItem).schema;
    // in the document's order
    for (const method of Object.keys(item).filter((m): m is Method =>
      (METHODS as ReadonlyArray<string>).includes(m),
    )) {
      const op = item[method];
      if (!isObject(op)) continue;
      const operationId = typeof op.operationId === 'string' ? op.operationId : undefined;
      const label = `${method.toUpperCase()} ${path}${operationId ? ` (${operationId})` : ''}`;
      const tags = Array.isArray(op.tags) ? op.tags.map(String) : [];
      let name = toolName(method, path, operationId);
      if (op['x-mcp'] === false || item['x-mcp'] === false) continue;
      if (options.include?.length && !matches(options.include, { operationId, tags, name })) continue;
      if (options.exclude?.length && matches(options.exclude, { operationId, tags, name })) continue;
      try {
        const plan = mapOperation(resolver, method, path, item, op);
        if (taken.has(name)) {
          let n = 2;
          while (taken.has(`${name}_${n}`)) n++;
          warnings.push(`${label}: the tool name ${name} is taken; named it ${name}_${n}`);
          name = `${name}_${n}`;
        }
        taken.add(name);
        tools.push({
          ...plan,
          name,
          ...(operationId && { operationId }),
          tags,
          annotations: annotationsFor(method, name),
        });
      } catch (error) {
        if (!(error instanceof Unmappable)) throw error;
        warnings.push(`skipped ${label}: ${error.message}`);
      }
    }
  }
  const info = isObject(doc.info) ? doc.info : {};
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const first = isObject(servers[0]) && typeof servers[0].url === 'string' ? servers[0].url : undefined;
  return {
    tools,
    warnings,
    ...(first && /^https?:\/\//.test(first) && !first.includes('{') && { serverUrl: first }),
    auth: authOf(doc),
    title: typeof info.title === 'string' ? info.title : 'the API',
    shared: [...resolver.shared.defs].map(([id, source]) => ({ id, source })),
  };
}

/** The component schemas the success answers of two or more operations refer to. */
function sharedComponents(doc: Json): Set<string> {
  const uses = new Map<string, number>();
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op) || !isObject(op.responses)) continue;
      const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      const refs = new Set(
        [...JSON.stringify(success).matchAll(/"#\/components\/schemas\/([^"/]+)"/g)].map(
          (m) => m[1] as string,
        ),
      );
      for (const name of refs) uses.set(name, (uses.get(name) ?? 0) + 1);
    }
  }
  return new Set([...uses].filter(([, n]) => n >= 2).map(([name]) => name));
}

function authOf(doc: Json): Mapping['auth'] {
  const schemes =
    isObject(doc.components) && isObject(doc.components.securitySchemes)
      ? doc.components.securitySchemes
      : {};
  const required = Array.isArray(doc.security) ? doc.security : [];
  const names = [...required.flatMap((r) => (isObject(r) ? Object.keys(r) : [])), ...Object.keys(schemes)];
  for (const name of names) {
    const scheme = schemes[name];
    if (!isObject(scheme)) continue;
    if (scheme.type === 'apiKey' && scheme.in === 'header' && typeof scheme.name === 'string') {
      return { kind: 'apiKey', header: scheme.name };
    }
    if (
      (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer') ||
      scheme.type === 'oauth2'
    ) {
      return { kind: 'bearer' };
    }
  }
  return names.length > 0 ? { kind: 'bearer' } : { kind: 'none' };
}

function mapOperation(
  resolver: Resolver,
  method: Method,
  path: string,
  item: Json,
  op: Json,
): Omit<ToolPlan, 'name' | 'operationId' | 'tags'> {
  const args: ArgPlan[] = [];
  const used = new Set<string>();
  const claim = (wanted: string, prefix: string) => {
    let arg = wanted || prefix;
    if (used.has(arg)) arg = `${prefix}_${arg}`;
    if (used.has(arg)) throw new Unmappable(`two inputs are both named ${wanted}`);
    used.add(arg);
    return arg;
  };

  // path-level parameters, overridden by the operation's own (same name and place)
  const params = new Map<string, Json>();
  for (const raw of [...asArray(item.parameters), ...asArray(op.parameters)]) {
    const param = resolver.resolve(raw).schema;
    params.set(`${String(param.in)}:${String(param.name)}`, param);
  }
  for (const param of params.values()) {
    const where = String(param.in);
    const name = String(param.name);
    if (where === 'header' && SKIPPED_HEADERS.has(name.toLowerCase())) continue;
    // a header the caller need not choose (X-Request-Id, tracing) is not the agent's business
    if (where === 'header' && param.required !== true) continue;
    if (where === 'cookie') {
      if (param.required === true) throw new Unmappable(`the cookie parameter ${name}`);
      continue;
    }
    if (!['path', 'query', 'header'].includes(where)) throw new Unmappable(`a parameter in ${where}`);
    if (!isObject(param.schema)) throw new Unmappable(`the parameter ${name} has no schema (content)`);
    const required = where === 'path' || param.required === true;
    const schema = { ...resolver.resolve(param.schema).schema };
    if (typeof param.description === 'string' && schema.description === undefined)
      schema.description = param.description;
    // every argument described (the agent contract), in words the document gives or these
    if (typeof schema.description !== 'string' || schema.description.trim() === '')
      schema.description = `the ${name} ${where} parameter of ${method.toUpperCase()} ${path}`;
    const kind = zodSource(resolver, schema, { io: 'input' });
    if (where !== 'body' && kind.startsWith('z.object('))
      throw new Unmappable(`the object parameter ${name}`);
    const arg = claim(snakeCase(name), where);
    const numeric = isIdName(arg) && (schema.type === 'integer' || kind.startsWith('z.number().int()'));
    args.push({
      arg,
      in: where as ArgPlan['in'],
      name,
      required,
      zod: numeric
        ? `numericId(${JSON.stringify(String(schema.description))})${required ? '' : '.optional()'}`
        : fieldSource(resolver, schema, required, { io: 'input' }),
      ...(numeric && { numericId: true }),
    });
  }

  let wholeBody: string | undefined;
  if (op.requestBody !== undefined) {
    const body = resolver.resolve(op.requestBody).schema;
    const content = isObject(body.content) ? body.content : {};
    const type = Object.keys(content).find((t) => /^application\/(.+\+)?json/.test(t));
    const bodyRequired = body.required === true;
    if (!type) {
      // an optional body of another kind (multipart) would be sent empty: not generated half-working
      if (Object.keys(content).length > 0)
        throw new Unmappable(`a body of type ${Object.keys(content).join(', ')} (only JSON is mapped)`);
    } else {
      const schema = isObject(content[type]) ? content[type].schema : undefined;
      const object = schema === undefined ? undefined : objectParts(resolver, schema);
      if (object && Object.keys(object.properties).length > 0) {
        // flattened, required or not: an optional body's fields are all optional
        for (const [field, property] of Object.entries(object.properties)) {
          const required = bodyRequired && object.required.includes(field);
          const resolved = resolver.resolve(property, object.seen);
          const described =
            typeof resolved.schema.description === 'string' && resolved.schema.description.trim() !== ''
              ? property
              : { ...resolved.schema, description: `the ${field} field of the request body` };
          args.push({
            arg: claim(snakeCase(field) || 'field', 'body'),
            in: 'body',
            name: field,
            required,
            zod: fieldSource(resolver, described, required, { io: 'input' }, resolved.seen),
          });
        }
      } else if (schema !== undefined) {
        wholeBody = claim('body', 'request');
        const resolved = resolver.resolve(schema);
        const described =
          typeof resolved.schema.description === 'string'
            ? schema
            : { ...resolved.schema, description: `the request body of ${method.toUpperCase()} ${path}` };
        args.push({
          arg: wholeBody,
          in: 'body',
          name: '',
          required: bodyRequired,
          zod: fieldSource(resolver, described, bodyRequired, { io: 'input' }, resolved.seen),
        });
      }
    }
  }

  // the first 2xx with a JSON body: an object becomes the output schema, an array is wrapped
  let output: string | undefined;
  let wrapArray = false;
  let successBody: unknown;
  const responses = isObject(op.responses) ? op.responses : {};
  const success = Object.keys(responses)
    .filter((status) => /^2\d\d$/.test(status) || status === '2XX')
    .sort()[0];
  if (success) {
    const response = resolver.resolve(responses[success]).schema;
    const content = isObject(response.content) ? response.content : {};
    const type = Object.keys(content).find((t) => /^application\/(.+\+)?json/.test(t));
    if (!type && Object.keys(content).length > 0) {
      throw new Unmappable(`a ${Object.keys(content).join(', ')} answer (core's HTTP client reads JSON)`);
    }
    const schema = type && isObject(content[type]) ? content[type].schema : undefined;
    if (schema !== undefined) {
      try {
        const source = zodSource(resolver, schema, { io: 'output' });
        // a shared schema is named: what it names decides (an object, or not)
        const inline = resolver.shared?.defs.get(source) ?? source;
        if (inline.startsWith('z.object(')) output = source;
        else if (source.startsWith('z.array(')) {
          output = `z.object({ items: ${source} })`;
          wrapArray = true;
        }
        if (output) successBody = sampleJson(resolver, schema);
      } catch (error) {
        if (!(error instanceof Unmappable)) throw error;
        // an unmappable answer is still returned, as JSON text without an output schema
      }
    }
  }

  const deleted = method === 'delete' && output === undefined;
  const summary = typeof op.summary === 'string' ? op.summary.trim() : '';
  const details = typeof op.description === 'string' ? op.description.trim() : '';
  const sentence = (text: string) => (text && !/[.!?]$/.test(text) ? `${text}.` : text);
  const pathArgs = args.filter((a) => a.in === 'path').map((a) => a.arg);
  // what it does (the summary and the description), then what it returns: the agent contract
  const returns = deleted
    ? `Returns { deleted: true${pathArgs.map((a) => `, ${a}`).join('')} }: what was deleted.`
    : output
      ? wrapArray
        ? 'Returns the list as { items }.'
        : 'Returns the answer as structured data.'
      : 'Returns the answer as JSON text.';
  const description = [
    sentence(summary) || `Calls ${method.toUpperCase()} ${path}.`,
    sentence(details),
    returns,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    method: method.toUpperCase() as Uppercase<Method>,
    path,
    ...(summary && { title: summary }),
    description,
    args,
    ...(wholeBody && { wholeBody }),
    ...(output && { output }),
    ...(wrapArray && { wrapArray }),
    ...(deleted && { deleted }),
    ...(successBody !== undefined && { successBody }),
    annotations: annotationsFor(method),
  };
}

/** `id`, `pet_id`: an argument the agent contract's id convention applies to. */
function isIdName(arg: string): boolean {
  return arg === 'id' || arg.endsWith('_id');
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
