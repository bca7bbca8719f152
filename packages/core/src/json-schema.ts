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
  return json;
}
