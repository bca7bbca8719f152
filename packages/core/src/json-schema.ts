import { z } from 'zod';

/**
 * The JSON Schema of a zod schema as MCP lists it: the input side for arguments, the output side
 * for results. `$schema` is left out: MCP's default dialect is 2020-12 already, and clients that
 * validate with Ajv's draft-07 default would refuse the 2020-12 URI.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return withoutNoiseBounds(json) as Record<string, unknown>;
}

/**
 * Drops the bounds zod writes for every `.int()` (`minimum: -9007199254740991`, `maximum:
 * 9007199254740991`): they say nothing a reader can use and cost tokens in every tools/list.
 * zod still checks them.
 */
function withoutNoiseBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNoiseBounds);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    out[key] = withoutNoiseBounds(value);
  }
  return out;
}
