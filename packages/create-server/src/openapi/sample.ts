import type { ToolPlan } from './map.ts';
import type { SampleCall } from './render.ts';
import { isObject, objectParts, type Resolver } from './zod-source.ts';

/**
 * A JSON value the schema's output zod accepts (required fields only, the first enum value,
 * the minimum), for the generated test's stub to answer with; undefined when none is obvious.
 */
export function sampleJson(resolver: Resolver, input: unknown, depth = 0): unknown {
  if (depth > 8) return undefined;
  const { schema, seen } = resolver.resolve(input);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((v) => v !== null);
  const alternatives = (schema.oneOf ?? schema.anyOf) as unknown;
  if (Array.isArray(alternatives)) {
    const first = alternatives.find((alt) => !(isObject(alt) && alt.type === 'null'));
    return first === undefined ? null : sampleJson(resolver, first, depth + 1);
  }
  const types = Array.isArray(schema.type) ? schema.type.map(String) : [String(schema.type ?? '')];
  const type =
    types.find((t) => t !== 'null' && t !== '') ??
    (isObject(schema.properties) || Array.isArray(schema.allOf)
      ? 'object'
      : isObject(schema.items)
        ? 'array'
        : '');
  switch (type) {
    case 'object': {
      const parts = objectParts(resolver, schema, seen);
      if (!parts) return {};
      const out: Record<string, unknown> = {};
      for (const field of parts.required) {
        const value = sampleJson(resolver, parts.properties[field], depth + 1);
        if (value === undefined) return undefined;
        out[field] = value;
      }
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return 'x';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** A value that `zod` (source) surely accepts, or undefined when that is not obvious. */
function sampleOf(zod: string): unknown {
  if (zod.startsWith('numericId(')) return 1;
  if (/\.regex\(|z\.(email|uuid|url|iso)\(/.test(zod)) return undefined;
  const min = /^z\.string\(\)\.min\((\d+)\)/.exec(zod);
  if (zod.startsWith('z.string()')) return 'x'.repeat(Math.max(1, Number(min?.[1] ?? 1)));
  if (zod.startsWith('z.enum([')) return JSON.parse(`[${/^z\.enum\(\[(.*?)\]\)/.exec(zod)?.[1] ?? ''}]`)[0];
  if (zod.startsWith('z.number()')) {
    const lower = /\.min\((-?\d+)\)/.exec(zod);
    return Math.max(1, Number(lower?.[1] ?? 1));
  }
  if (zod.startsWith('z.boolean()')) return true;
  return undefined;
}

/** For the generated test: a call whose arguments are certain to validate, preferring a GET. */
export function sampleCall(tools: ReadonlyArray<ToolPlan>): SampleCall | undefined {
  // a tool whose success the generated test's stub can answer: a delete, JSON text, or a sample body
  const answerable = tools.filter((t) => t.deleted || !t.output || t.successBody !== undefined);
  const ordered = [...answerable].sort((a, b) => Number(b.method === 'GET') - Number(a.method === 'GET'));
  for (const tool of ordered) {
    const args: Record<string, unknown> = {};
    let ok = true;
    for (const arg of tool.args.filter((a) => a.required)) {
      const value = sampleOf(arg.zod);
      if (value === undefined) {
        ok = false;
        break;
      }
      args[arg.arg] = value;
    }
    if (!ok) continue;
    const path = tool.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const arg = tool.args.find((a) => a.in === 'path' && a.name === name);
      return encodeURIComponent(String(arg ? args[arg.arg] : name));
    });
    const query = new URLSearchParams();
    for (const arg of tool.args) {
      if (arg.in === 'query' && args[arg.arg] !== undefined) query.append(arg.name, String(args[arg.arg]));
    }
    const defaults = tool.args.filter((a) => a.in === 'query' && !a.required && /\.default\(/.test(a.zod));
    for (const arg of defaults) {
      query.append(arg.name, String(JSON.parse(/\.default\((.*)\)$/.exec(arg.zod)?.[1] ?? 'null')));
    }
    const search = query.toString();
    return { tool: tool.name, args, request: `${tool.method} ${path}${search ? `?${search}` : ''}` };
  }
  return undefined;
}
