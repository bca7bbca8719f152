import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectInMemory, errorDataOf, expectAgentContract } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOpenApi } from './openapi/load.ts';
import { annotationsFor, mapOpenApi, toolName } from './openapi/map.ts';
import { importGenerated } from './test-fixtures/helpers.ts';

const fixture = (file: string) =>
  parseOpenApi(readFileSync(new URL(`./test-fixtures/${file}`, import.meta.url), 'utf8'), file);

// all four hints, by the agent contract's meaning; the API is the deployment's own: not open world
const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const CREATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
const PATCH = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };
const PUT = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
const DELETE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
/** The agent contract's numeric id (core's numericId): a number from 1, or its digits. */
const ID = {
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^[0-9]{1,16}$' },
  ],
};

/** A local stand-in for an API: records each request, answers with `reply(method, path)`. */
let stub: Server;
let stubUrl: string;
const requests: Array<{ line: string; headers: IncomingHttpHeaders; body: string }> = [];
let reply: (line: string) => { status: number; body?: unknown } = () => ({ status: 404 });
beforeAll(async () => {
  stub = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const line = `${req.method} ${req.url}`;
      requests.push({ line, headers: req.headers, body });
      const answer = reply(line);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});
afterAll(() => stub.close());

describe('names and annotations', () => {
  it('names a tool from its operationId, else from its method and path', () => {
    expect(toolName('get', '/users/{id}', 'getUserById')).toBe('get_user_by_id');
    expect(toolName('get', '/x', 'listHTTPThings')).toBe('list_http_things');
    expect(toolName('get', '/users/{userId}/orders')).toBe('get_users_by_user_id_orders');
    expect(toolName('post', '/users')).toBe('create_users');
    expect(toolName('delete', '/users/{id}')).toBe('delete_users_by_id');
    // a verb first: an operationId that is a noun gets its method's verb
    expect(toolName('get', '/healthz', 'health')).toBe('get_health');
    expect(toolName('post', '/jobs', 'jobRun')).toBe('create_job_run');
  });

  it('derives annotations from the method, and from a destructive or reading verb', () => {
    expect(annotationsFor('GET')).toEqual(READ);
    expect(annotationsFor('POST')).toEqual(CREATE);
    expect(annotationsFor('PATCH')).toEqual(PATCH);
    expect(annotationsFor('PUT')).toEqual(PUT);
    expect(annotationsFor('DELETE')).toEqual(DELETE);
    expect(annotationsFor('POST', 'cancel_order')).toEqual({ ...CREATE, destructiveHint: true });
    expect(annotationsFor('POST', 'search_orders')).toEqual(READ);
  });
});

describe('an OpenAPI 3.0 YAML document with $refs, arrays, path and query parameters', () => {
  const mapping = mapOpenApi(fixture('petstore-3.0.yaml'));

  it('maps every operation but the file upload (warned) and the x-mcp: false one (silent)', () => {
    expect(mapping.warnings).toEqual([
      'skipped POST /pets/{petId}/photo (uploadPhoto): a body of type multipart/form-data (only JSON is mapped)',
    ]);
    expect(mapping.serverUrl).toBe('https://petstore.example.com/v1');
    expect(mapping.auth).toEqual({ kind: 'apiKey', header: 'X-Api-Key' });
  });

  it('filters by tag and operationId', () => {
    expect(mapOpenApi(fixture('petstore-3.0.yaml'), { exclude: ['admin'] }).tools.map((t) => t.name)).toEqual(
      ['list_pets', 'create_pet', 'show_pet_by_id', 'replace_pet'],
    );
    expect(
      mapOpenApi(fixture('petstore-3.0.yaml'), { include: ['listPets', 'admin'] }).tools.map((t) => t.name),
    ).toEqual(['list_pets', 'delete_pet']);
  });

  it('generates tools whose names, input schemas and annotations are the expected ones', async () => {
    const generated = await importGenerated('petstore', mapping);
    const { client, close } = await connectInMemory(generated.definition(stubUrl));
    try {
      const { tools } = await client.listTools();
      const petId = { ...ID, description: "The pet's id." };
      // described (the document's words, else where the argument goes) and bounded (10,000 unless the document says)
      const newPet = {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 50,
          description: 'the name field of the request body',
        },
        tag: {
          anyOf: [{ type: 'string', maxLength: 10_000 }, { type: 'null' }],
          description: 'the tag field of the request body',
        },
        photo_urls: {
          type: 'array',
          items: { type: 'string', maxLength: 10_000 },
          description: 'the photo_urls field of the request body',
        },
      };
      // by name (core sorts tools/list)
      const expected = [
        {
          name: 'create_pet',
          annotations: { title: 'Add a pet', ...CREATE },
          inputSchema: {
            type: 'object',
            properties: newPet,
            required: ['name'],
            additionalProperties: false,
          },
        },
        {
          name: 'delete_pet',
          annotations: DELETE,
          inputSchema: {
            type: 'object',
            properties: { pet_id: petId },
            required: ['pet_id'],
            additionalProperties: false,
          },
        },
        {
          name: 'list_pets',
          annotations: { title: 'List pets', ...READ },
          inputSchema: {
            type: 'object',
            properties: {
              limit: {
                default: 20,
                type: 'integer',
                minimum: 1,
                maximum: 100,
                description: 'How many at most.',
              },
              tags: {
                type: 'array',
                items: { type: 'string', maxLength: 10_000 },
                description: 'the tags query parameter of GET /pets',
              },
            },
            additionalProperties: false,
          },
        },
        {
          name: 'replace_pet',
          annotations: PUT,
          inputSchema: {
            type: 'object',
            properties: { pet_id: petId, ...newPet },
            required: ['pet_id', 'name'],
            additionalProperties: false,
          },
        },
        {
          // the optional X-Request-Id header is not an argument: nothing for an agent to choose
          name: 'show_pet_by_id',
          annotations: { title: 'Info for a specific pet', ...READ },
          inputSchema: {
            type: 'object',
            properties: { pet_id: petId },
            required: ['pet_id'],
            additionalProperties: false,
          },
        },
      ];
      expect(tools.map(({ name, annotations, inputSchema }) => ({ name, annotations, inputSchema }))).toEqual(
        expected,
      );
      // every tool has an output: a delete says what it deleted
      expect(tools.map((t) => Boolean(t.outputSchema))).toEqual([true, true, true, true, true]);
      expect(tools.find((t) => t.name === 'delete_pet')?.description).toBe(
        'Calls DELETE /pets/{petId}. Returns { deleted: true, pet_id }: what was deleted.',
      );
      expectAgentContract(generated.definition(stubUrl));
    } finally {
      await close();
      generated.remove();
    }
  });

  it('writes a schema several operations answer with once, and names it where it is used', async () => {
    const generated = await importGenerated('petstore', mapping);
    try {
      const text = (path: string) => generated.files.find((f) => f.path === path)?.text ?? '';
      // Pet: the answer of list, show, create and replace
      expect(mapping.shared.map((s) => s.id)).toEqual(['PetSchema']);
      expect(text('src/schemas.ts').match(/export const PetSchema = z\.object\(/g)).toHaveLength(1);
      for (const tool of ['list-pets', 'show-pet-by-id', 'create-pet', 'replace-pet']) {
        const source = text(`src/tools/${tool}.ts`);
        expect(source, tool).toContain("import { PetSchema } from '../schemas.ts';");
        expect(source, tool).not.toContain('photo_urls: z.array(z.string()).optional()');
      }
      // a file that does not use it does not import it
      expect(text('src/tools/delete-pet.ts')).not.toContain('schemas.ts');
    } finally {
      generated.remove();
    }
  });

  it('calls a local stub: query arrays, path parameters, headers, the body and the API key', async () => {
    const generated = await importGenerated('petstore', mapping);
    const { client, close } = await connectInMemory(generated.definition(`${stubUrl}/v1`, 'secret-key-0001'));
    const pet = { id: 7, name: 'Rex', tag: null, photo_urls: [] };
    reply = (line) =>
      line.startsWith('GET /v1/pets?')
        ? { status: 200, body: [pet] }
        : line === 'DELETE /v1/pets/7'
          ? { status: 204 }
          : { status: line.startsWith('POST') ? 201 : 200, body: pet };
    requests.length = 0;
    try {
      const list = await client.callTool({ name: 'list_pets', arguments: { tags: ['a', 'b'] } });
      expect(list.structuredContent).toEqual({ items: [pet] });
      // the id as the agent has it: a number or its digits
      const shown = await client.callTool({ name: 'show_pet_by_id', arguments: { pet_id: '7' } });
      expect(shown.structuredContent).toEqual(pet);
      const created = await client.callTool({ name: 'create_pet', arguments: { name: 'Rex', tag: null } });
      expect(created.structuredContent).toEqual(pet);
      const deleted = await client.callTool({ name: 'delete_pet', arguments: { pet_id: 7 } });
      expect(deleted.structuredContent).toEqual({ deleted: true, pet_id: 7 });
      const bad = await client.callTool({ name: 'show_pet_by_id', arguments: { pet_id: 0 } });
      expect(errorDataOf(bad)).toMatchObject({ code: 'INVALID_INPUT', fields: ['pet_id'] });

      expect(requests.map((r) => r.line)).toEqual([
        'GET /v1/pets?limit=20&tags=a&tags=b',
        'GET /v1/pets/7',
        'POST /v1/pets',
        'DELETE /v1/pets/7',
      ]);
      expect(requests.every((r) => r.headers['x-api-key'] === 'secret-key-0001')).toBe(true);
      expect(JSON.parse(requests[2]?.body ?? '')).toEqual({ name: 'Rex', tag: null });
    } finally {
      await close();
      generated.remove();
    }
  });
});

describe('an OpenAPI 3.1 JSON document with oneOf/allOf, enums and nullable fields', () => {
  const mapping = mapOpenApi(fixture('catalog-3.1.json'));

  it('skips the CSV report with a warning naming it', () => {
    expect(mapping.warnings).toEqual([
      "skipped GET /reports/{year} (getReport): a text/csv answer (core's HTTP client reads JSON)",
    ]);
    expect(mapping.auth).toEqual({ kind: 'bearer' });
  });

  it('generates tools whose names, input schemas and annotations are the expected ones', async () => {
    const generated = await importGenerated('catalog', mapping);
    const { client, close } = await connectInMemory(generated.definition(stubUrl));
    try {
      const { tools } = await client.listTools();
      const status = { type: 'string', enum: ['draft', 'published', 'archived'] };
      expect(tools.map(({ name, annotations }) => ({ name, annotations }))).toEqual([
        { name: 'create_item', annotations: { title: 'Add an item', ...CREATE } },
        { name: 'search_items', annotations: { title: 'Search the catalog', ...READ } },
        {
          name: 'update_items_by_item_id_status',
          annotations: { title: "Change an item's status", ...PATCH },
        },
      ]);
      // the summary, the description, then what it returns
      expect(tools[1]?.description).toBe(
        'Search the catalog. Newest first. Returns the answer as structured data.',
      );
      expect(tools[1]?.inputSchema).toEqual({
        type: 'object',
        properties: {
          status: { ...status, description: 'the status query parameter of GET /items' },
          q: {
            anyOf: [{ type: 'string', maxLength: 10_000 }, { type: 'null' }],
            description: 'the q query parameter of GET /items',
          },
        },
        additionalProperties: false,
      });
      expect(tools[2]?.inputSchema).toEqual({
        type: 'object',
        properties: {
          item_id: {
            type: 'string',
            maxLength: 10_000,
            description: 'the itemId path parameter of PATCH /items/{itemId}/status',
          },
          status: { ...status, description: 'the status field of the request body' },
          note: {
            anyOf: [{ type: 'string', maxLength: 200 }, { type: 'null' }],
            description: 'the note field of the request body',
          },
        },
        required: ['item_id', 'status'],
        additionalProperties: false,
      });
      expectAgentContract(generated.definition(stubUrl), { contentTools: ['create_item'] });
      // oneOf of two allOf-merged objects: the whole body, a union of both shapes
      const properties = tools[0]?.inputSchema.properties as Record<
        string,
        { anyOf: Array<Record<string, any>> }
      >;
      const body = properties.body;
      expect(tools[0]?.inputSchema.required).toEqual(['body']);
      expect(body?.anyOf.map((branch) => [branch.properties.kind.const, branch.required])).toEqual([
        ['book', ['id', 'kind', 'title']],
        ['film', ['id', 'kind', 'title']],
      ]);
      expect(body?.anyOf[0]?.properties.isbn).toEqual({
        anyOf: [{ type: 'string', maxLength: 10_000 }, { type: 'null' }],
      });
      expect(body?.anyOf[1]?.properties.minutes.anyOf[1]).toEqual({ type: 'null' });
    } finally {
      await close();
      generated.remove();
    }
  });

  it('calls a local stub with a bearer key, an enum query and a oneOf body', async () => {
    const generated = await importGenerated('catalog', mapping);
    const { client, close } = await connectInMemory(generated.definition(stubUrl, 'catalog-key-0001'));
    const book = { id: 'b1', kind: 'book', title: 'Dune', isbn: null };
    reply = (line) =>
      line.startsWith('GET /items')
        ? { status: 200, body: { items: [book], next_cursor: null } }
        : { status: 200, body: book };
    requests.length = 0;
    try {
      const found = await client.callTool({ name: 'search_items', arguments: { status: 'published' } });
      expect(found.structuredContent).toEqual({ items: [book], next_cursor: null });
      const wrong = await client.callTool({ name: 'search_items', arguments: { status: 'gone' } });
      expect(wrong.isError).toBe(true);
      const created = await client.callTool({ name: 'create_item', arguments: { body: book } });
      expect(JSON.parse((created.content as Array<{ text: string }>)[0]?.text ?? '')).toEqual(book);
      const changed = await client.callTool({
        name: 'update_items_by_item_id_status',
        arguments: { item_id: 'b 1', status: 'archived', note: null },
      });
      expect(changed.structuredContent).toEqual(book);
      expect(requests.map((r) => r.line)).toEqual([
        'GET /items?status=published',
        'POST /items',
        'PATCH /items/b%201/status',
      ]);
      expect(requests[0]?.headers.authorization).toBe('Bearer catalog-key-0001');
      expect(JSON.parse(requests[1]?.body ?? '')).toEqual(book);
      expect(JSON.parse(requests[2]?.body ?? '')).toEqual({ status: 'archived', note: null });
    } finally {
      await close();
      generated.remove();
    }
  });
});
