import { z } from 'zod';
import type { AnyRoute, ResponseSpec } from './router.ts';
import { ErrorBody, REQUEST_COMPONENTS, RESPONSE_COMPONENTS } from './schemas.ts';

type Json = Record<string, unknown>;

const STANDARD_ERRORS: Record<number, string> = {
  401: 'Missing or wrong API key (when USERS_API_KEY is set).',
  413: 'The body is too large.',
  415: 'The body is not declared as application/json.',
  500: 'Internal error; the message carries a reference to the logged details.',
};

/**
 * The OpenAPI 3.1 document of `routes`, generated from the same zod schemas the routes validate
 * with: named schemas under components (requests on their input side, responses on their output
 * side), path and query parameters from the routes' own schemas.
 */
export function buildOpenApi(
  routes: ReadonlyArray<AnyRoute>,
  info: { title: string; version: string },
): Json {
  const names = new Map<z.ZodType, string>();
  const schemas = {
    ...components(REQUEST_COMPONENTS, 'input', names),
    ...components(RESPONSE_COMPONENTS, 'output', names),
  };
  const ref = (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const name = names.get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : jsonSchema(schema, io);
  };
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const responses: Record<number, ResponseSpec> = { ...route.responses };
    const standard = [...(route.public ? [] : [401]), ...(route.body ? [413, 415] : []), 500];
    for (const status of standard)
      responses[status] ??= { description: STANDARD_ERRORS[status] ?? '', schema: ErrorBody };
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description !== undefined && { description: route.description }),
      ...(route.public && { security: [] }),
      ...(route.params || route.query
        ? { parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')] }
        : {}),
      ...(route.body && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref(route.body, 'input') } },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, spec]) => [
          status,
          {
            description: spec.description,
            ...(spec.schema && { content: { 'application/json': { schema: ref(spec.schema, 'output') } } }),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.1',
    info: { ...info, description: 'User registration, lookup and password checks, on SQLite.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'The USERS_API_KEY, when the service sets one.',
        },
      },
    },
  };
}

/** Named schemas as JSON Schema, referring to each other by `#/components/schemas/Name`. */
function components(
  named: Record<string, z.ZodType>,
  io: 'input' | 'output',
  names: Map<z.ZodType, string>,
): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(named)) {
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Json>;
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $schema: _dialect, $id: _id, ...schema }]) => [name, schema]),
  );
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io }) as Json;
  return json;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description !== undefined && { description }),
      schema: rest,
    };
  });
}
