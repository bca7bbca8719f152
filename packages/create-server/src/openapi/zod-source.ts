import type { Json } from './load.ts';

/** A schema that cannot become zod; the operation using it is skipped with this reason. */
export class Unmappable extends Error {}

export interface ZodOptions {
  /** Input schemas keep formats, patterns and defaults; output schemas are lenient. */
  io: 'input' | 'output';
}

/**
 * Component schemas several operations answer with, written once (`src/schemas.ts`) and named
 * where they are used: `names` are the components to share, `defs` their zod source in the order
 * they must be declared (a schema after the ones it uses).
 */
export interface SharedSchemas {
  names: ReadonlySet<string>;
  defs: Map<string, string>;
}

const COMPONENT = /^#\/components\/schemas\/([^/]+)$/;

/** The identifier a shared component is declared as: `Pet` → `PetSchema`. */
export function sharedIdentifier(component: string): string {
  const words = component.replace(/[^A-Za-z0-9]+/g, ' ').trim();
  const pascal = words.replace(/(^|\s)(\w)/g, (_m, _s, c: string) => c.toUpperCase()).replace(/\s/g, '');
  return `${/^[A-Za-z]/.test(pascal) ? pascal : `S${pascal}`}Schema`;
}

/** Resolves local `$ref`s (`#/components/schemas/User`) in one document. */
export class Resolver {
  readonly doc: Json;
  /** Set by the mapping: output schemas several operations use are written once. */
  shared: SharedSchemas | undefined;
  constructor(doc: Json) {
    this.doc = doc;
  }

  resolve(schema: unknown, seen: ReadonlyArray<string> = []): { schema: Json; seen: ReadonlyArray<string> } {
    let current = schema;
    let chain = seen;
    while (isObject(current) && typeof current.$ref === 'string') {
      const ref = current.$ref;
      if (!ref.startsWith('#/')) throw new Unmappable(`external $ref ${ref}`);
      if (chain.includes(ref)) throw new Unmappable(`recursive schema ${ref}`);
      chain = [...chain, ref];
      let target: unknown = this.doc;
      for (const part of ref.slice(2).split('/')) {
        const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
        target = isObject(target) ? target[key] : undefined;
      }
      if (target === undefined) throw new Unmappable(`$ref ${ref} points nowhere`);
      // 3.1 allows siblings next to $ref (description); they win over the target's
      const { $ref: _ref, ...siblings } = current;
      current = isObject(target) ? { ...target, ...siblings } : target;
    }
    if (!isObject(current)) {
      if (current === true || current === undefined) return { schema: {}, seen: chain };
      throw new Unmappable(`a schema that is not an object: ${JSON.stringify(current)}`);
    }
    return { schema: current, seen: chain };
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown) => JSON.stringify(value);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
export const key = (name: string) => (IDENTIFIER.test(name) ? name : str(name));

/** The types a schema allows, with `null` split out (3.0 `nullable`, 3.1 `type: [x, 'null']`). */
function typesOf(schema: Json): { types: string[]; nullable: boolean } {
  const raw = schema.type;
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  const nullable = schema.nullable === true || list.includes('null');
  return { types: list.filter((t) => t !== 'null'), nullable };
}

/** An object schema's properties after `allOf` merging, or undefined when it is not an object. */
export function objectParts(
  resolver: Resolver,
  input: unknown,
  seen: ReadonlyArray<string> = [],
): { properties: Record<string, unknown>; required: string[]; seen: ReadonlyArray<string> } | undefined {
  const { schema, seen: chain } = resolver.resolve(input, seen);
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  let isObj = typesOf(schema).types.includes('object') || isObject(schema.properties);
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const merged = objectParts(resolver, part, chain);
      if (!merged) return undefined;
      Object.assign(properties, merged.properties);
      required.push(...merged.required);
      isObj = true;
    }
  }
  if (!isObj || schema.oneOf || schema.anyOf) return undefined;
  if (isObject(schema.properties)) Object.assign(properties, schema.properties);
  if (Array.isArray(schema.required)) required.push(...schema.required.map(String));
  return { properties, required: [...new Set(required)], seen: chain };
}

/** JSON Schema (OpenAPI 3.0 or 3.1 flavour) → readable zod source: `z.object({ id: z.number().int() })`. */
/** The bound of a string argument whose document gives none (change it to the API's own). */
export const DEFAULT_STRING_MAX = 10_000;

export function zodSource(
  resolver: Resolver,
  input: unknown,
  options: ZodOptions,
  seen: ReadonlyArray<string> = [],
): string {
  // an answer's component that several operations use: its name, written once in schemas.ts
  const shared = resolver.shared;
  if (options.io === 'output' && shared && isObject(input) && Object.keys(input).length === 1) {
    const component = typeof input.$ref === 'string' ? COMPONENT.exec(input.$ref)?.[1] : undefined;
    if (component && shared.names.has(component)) {
      const id = sharedIdentifier(component);
      if (!shared.defs.has(id)) {
        const source = inlineSource(resolver, input, options, seen);
        shared.defs.set(id, source);
      }
      return id;
    }
  }
  return inlineSource(resolver, input, options, seen);
}

function inlineSource(
  resolver: Resolver,
  input: unknown,
  options: ZodOptions,
  seen: ReadonlyArray<string>,
): string {
  const { schema, seen: chain } = resolver.resolve(input, seen);
  let source = base(resolver, schema, options, chain);
  const { nullable } = typesOf(schema);
  const enumNull = Array.isArray(schema.enum) && schema.enum.includes(null);
  if ((nullable || enumNull) && !source.endsWith('.nullable()') && source !== 'z.unknown()')
    source += '.nullable()';
  if (typeof schema.description === 'string' && schema.description.trim() !== '') {
    source += `.describe(${str(schema.description.trim())})`;
  }
  return source;
}

function base(resolver: Resolver, schema: Json, options: ZodOptions, seen: ReadonlyArray<string>): string {
  const input = options.io === 'input';
  if ('const' in schema) return `z.literal(${str(schema.const)})`;
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v) => v !== null);
    if (values.length === 0) throw new Unmappable('an enum with no values');
    if (values.every((v) => typeof v === 'string')) return `z.enum([${values.map(str).join(', ')}])`;
    if (values.length === 1) return `z.literal(${str(values[0])})`;
    return `z.union([${values.map((v) => `z.literal(${str(v)})`).join(', ')}])`;
  }
  if (Array.isArray(schema.allOf)) {
    const merged = objectParts(resolver, schema, seen);
    if (merged)
      return objectSource(resolver, merged.properties, merged.required, options, merged.seen, schema);
    const parts = schema.allOf.map((part) => zodSource(resolver, part, options, seen));
    return parts.reduce((left, right) => `z.intersection(${left}, ${right})`);
  }
  const alternatives = (schema.oneOf ?? schema.anyOf) as unknown;
  if (Array.isArray(alternatives)) {
    const nonNull = alternatives.filter((alt) => !(isObject(alt) && alt.type === 'null'));
    const parts = nonNull.map((alt) => zodSource(resolver, alt, options, seen));
    const union = parts.length === 1 ? (parts[0] as string) : `z.union([${parts.join(', ')}])`;
    return nonNull.length < alternatives.length ? `${union}.nullable()` : union;
  }
  const { types } = typesOf(schema);
  if (types.length > 1) {
    return `z.union([${types.map((type) => base(resolver, { ...schema, type }, options, seen)).join(', ')}])`;
  }
  const type =
    types[0] ?? (isObject(schema.properties) ? 'object' : isObject(schema.items) ? 'array' : undefined);
  switch (type) {
    case undefined:
      return 'z.unknown()';
    case 'string': {
      const format = input ? schema.format : undefined;
      let s =
        format === 'email'
          ? 'z.email()'
          : format === 'uuid'
            ? 'z.uuid()'
            : format === 'uri' || format === 'url'
              ? 'z.url()'
              : format === 'date-time'
                ? 'z.iso.datetime({ offset: true })'
                : format === 'date'
                  ? 'z.iso.date()'
                  : format === 'binary'
                    ? undefined
                    : 'z.string()';
      if (s === undefined) throw new Unmappable('a binary string (file upload)');
      if (input && typeof schema.minLength === 'number') s += `.min(${schema.minLength})`;
      if (input && typeof schema.maxLength === 'number') s += `.max(${schema.maxLength})`;
      if (input && typeof schema.pattern === 'string' && s.startsWith('z.string()')) {
        s += `.regex(new RegExp(${str(schema.pattern)}))`;
      }
      // the agent contract bounds every string argument: the document's limit, else this one
      if (
        input &&
        s.startsWith('z.string()') &&
        typeof schema.maxLength !== 'number' &&
        typeof schema.pattern !== 'string'
      )
        s += `.max(${DEFAULT_STRING_MAX})`;
      return s;
    }
    case 'integer':
    case 'number': {
      let s = type === 'integer' ? 'z.number().int()' : 'z.number()';
      if (!input) return s;
      const safe = (n: unknown) => typeof n === 'number' && Math.abs(n) < Number.MAX_SAFE_INTEGER;
      const exMin = schema.exclusiveMinimum;
      const exMax = schema.exclusiveMaximum;
      if (safe(schema.minimum)) s += exMin === true ? `.gt(${schema.minimum})` : `.min(${schema.minimum})`;
      if (typeof exMin === 'number') s += `.gt(${exMin})`;
      if (safe(schema.maximum)) s += exMax === true ? `.lt(${schema.maximum})` : `.max(${schema.maximum})`;
      if (typeof exMax === 'number') s += `.lt(${exMax})`;
      return s;
    }
    case 'boolean':
      return 'z.boolean()';
    case 'array': {
      let s = `z.array(${zodSource(resolver, schema.items, options, seen)})`;
      if (input && typeof schema.minItems === 'number') s += `.min(${schema.minItems})`;
      if (input && typeof schema.maxItems === 'number') s += `.max(${schema.maxItems})`;
      return s;
    }
    case 'object': {
      if (!isObject(schema.properties)) {
        const extra = schema.additionalProperties;
        const value =
          isObject(extra) && Object.keys(extra).length > 0
            ? zodSource(resolver, extra, options, seen)
            : 'z.unknown()';
        return `z.record(z.string(), ${value})`;
      }
      const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
      return objectSource(resolver, schema.properties, required, options, seen, schema);
    }
    default:
      throw new Unmappable(`the type ${str(type)}`);
  }
}

function objectSource(
  resolver: Resolver,
  properties: Record<string, unknown>,
  required: string[],
  options: ZodOptions,
  seen: ReadonlyArray<string>,
  _schema: Json,
): string {
  const fields = Object.entries(properties).map(
    ([name, property]) =>
      `${key(name)}: ${fieldSource(resolver, property, required.includes(name), options, seen)}`,
  );
  return `z.object({ ${fields.join(', ')} })`;
}

/** A property: optional unless required; an input's default is applied by zod. */
export function fieldSource(
  resolver: Resolver,
  property: unknown,
  required: boolean,
  options: ZodOptions,
  seen: ReadonlyArray<string> = [],
): string {
  const source = zodSource(resolver, property, options, seen);
  if (required) return source;
  const { schema } = resolver.resolve(property, seen);
  if (options.io === 'input' && schema.default !== undefined && schema.default !== null) {
    return `${source}.default(${str(schema.default)})`;
  }
  return `${source}.optional()`;
}
