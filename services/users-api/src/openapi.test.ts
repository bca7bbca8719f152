import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createUsersApi } from './app.ts';
import { openDatabase } from './database.ts';
import { RegisterRequest, User } from './schemas.ts';

const api = createUsersApi({ db: openDatabase(':memory:') });
const doc = api.openapi as any;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every `$ref` in a value, with where it was found. */
function refs(value: unknown, at = '#'): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, i) => refs(item, `${at}/${i}`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' ? [[at, String(item)] as [string, string]] : refs(item, `${at}/${key}`),
  );
}

function resolve(ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the required top-level fields and a bearer security scheme', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'users-api', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.components.securitySchemes.apiKey).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    expect(doc.security).toEqual([{ apiKey: [] }]);
    // only OpenAPI's own fields at the top
    for (const key of Object.keys(doc)) {
      expect([
        'openapi',
        'info',
        'jsonSchemaDialect',
        'servers',
        'paths',
        'webhooks',
        'components',
        'security',
        'tags',
        'externalDocs',
      ]).toContain(key);
    }
  });

  it('lists every route the service serves, once, with a unique operationId', () => {
    const listed = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = api.routes.map((route) => `${route.method} ${route.path}`);
    expect([...listed].sort()).toEqual([...served].sort());
    expect(served).toEqual(
      expect.arrayContaining([
        'POST /users/register',
        'POST /users/verify',
        'GET /users',
        'GET /users/{id}',
        'PATCH /users/{id}',
        'DELETE /users/{id}',
        'GET /openapi.json',
        'GET /healthz',
      ]),
    );
    const ids = Object.values(doc.paths).flatMap((item: any) =>
      METHODS.filter((m) => item[m]).map((m) => item[m].operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is well formed: responses described, path parameters declared, every $ref resolves', () => {
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of METHODS.filter((m) => item[m])) {
        const operation = item[method];
        const where = `${method} ${path}`;
        expect(Object.keys(operation.responses).length, where).toBeGreaterThan(0);
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          expect(status, where).toMatch(/^[1-5]\d\d$/);
          expect(response.description, where).toEqual(expect.any(String));
        }
        const declared = (operation.parameters ?? []).filter((p: any) => p.in === 'path');
        expect(declared.map((p: any) => p.name).sort(), where).toEqual([...templated].sort());
        for (const parameter of operation.parameters ?? []) {
          expect(['path', 'query', 'header', 'cookie'], where).toContain(parameter.in);
          if (parameter.in === 'path') expect(parameter.required, where).toBe(true);
          expect(parameter.schema, where).toEqual(expect.any(Object));
        }
      }
    }
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const [at, ref] of all) {
      expect(ref, at).toMatch(/^#\/components\/schemas\/\w+$/);
      expect(resolve(ref), `${at} -> ${ref}`).toEqual(expect.any(Object));
    }
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
      expect(schema.$schema, name).toBeUndefined();
      expect(schema.$id, name).toBeUndefined();
    }
  });

  it('comes from the same zod schemas the service validates with', () => {
    const { $schema: _a, ...register } = z.toJSONSchema(RegisterRequest, { io: 'input' }) as any;
    expect(doc.components.schemas.RegisterRequest).toEqual(register);
    const { $schema: _b, ...user } = z.toJSONSchema(User, { io: 'output' }) as any;
    expect(doc.components.schemas.User).toEqual(user);
    expect(doc.components.schemas.UserList.properties.users.items).toEqual({
      $ref: '#/components/schemas/User',
    });
    const list = doc.paths['/users'].get.parameters;
    expect(list.find((p: any) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    });
    expect(doc.paths['/users/{id}'].get.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
      required: true,
      schema: { type: 'integer', minimum: 1 },
    });
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/users/register'].post.responses).toHaveProperty('409');
    expect(doc.paths['/users/register'].post.responses).toHaveProperty('413');
  });
});
