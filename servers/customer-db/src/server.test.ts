import { type Connected, connectInMemory, serveForTest } from '@mcp-stack/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db/connection.ts';
import { createRepository } from './repository.ts';
import { RESOURCE_PAGE } from './resources.ts';
import { createCustomerDbServer } from './server.ts';
import { BACKENDS, openBackend, openPgTest, type TestBackend } from './test-fixtures/backends.ts';
import { openTempDb, type TempDb } from './test-fixtures/temp-db.ts';

type Result = Awaited<ReturnType<Connected['client']['callTool']>>;
const text = (result: Result) => (result.content as Array<{ type: string; text: string }>)[0]?.text ?? '';

const READ_TOOLS = ['get_customer', 'search_customers', 'get_order', 'list_orders'];
const WRITE_TOOLS = ['create_customer', 'update_customer', 'update_order_status'];

describe.each(BACKENDS)('%s', (backend) => {
  let t: TestBackend;
  let connected: Connected;
  const call = (name: string, args: Record<string, unknown>) =>
    connected.client.callTool({ name, arguments: args });

  beforeEach(async () => {
    t = await openBackend(backend);
    connected = await connectInMemory(createCustomerDbServer({ repository: t.repository }));
  });
  afterEach(async () => {
    await connected.close();
    await t.cleanup();
  });

  describe('the customer-db server over an SDK client', () => {
    it('introduces itself with instructions an agent can act on', async () => {
      const { client } = connected;
      expect(client.getServerVersion()).toMatchObject({ name: 'customer-db', title: 'Customer database' });
      expect(client.getInstructions()).toContain('get_order with order_id 1234');
      expect(client.getInstructions()).toContain('pass them as 1234 or "1234"');
      expect(client.getInstructions()).not.toContain('read-only');
    });

    it('lists seven tools, each with schemas, a title and all four annotations', async () => {
      const { tools } = await connected.client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual([
        'create_customer',
        'get_customer',
        'get_order',
        'list_orders',
        'search_customers',
        'update_customer',
        'update_order_status',
      ]);
      for (const tool of tools) {
        expect(tool.description?.length, tool.name).toBeGreaterThan(60);
        expect(tool.title, tool.name).toBeTruthy();
        expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
        expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
        expect(tool.annotations, tool.name).toMatchObject({
          readOnlyHint: !WRITE_TOOLS.includes(tool.name),
          destructiveHint: ['update_customer', 'update_order_status'].includes(tool.name),
          idempotentHint: tool.name !== 'create_customer',
          openWorldHint: false,
        });
      }
      const search = tools.find((tool) => tool.name === 'search_customers');
      expect(search?.inputSchema.properties).toMatchObject({
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        status: { enum: ['active', 'inactive', 'blocked'] },
      });
    });

    it('answers "what is the status of order 1234?" as structuredContent and the same JSON text', async () => {
      const result = await call('get_order', { order_id: '1234' });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        id: '1234',
        customer_id: '1234',
        customer_name: 'Alice Johnson',
        status: 'shipped',
      });
      expect(JSON.parse(text(result))).toEqual(result.structuredContent);
      // the contract's one result shape: the JSON is the only text
      expect(result.content).toHaveLength(1);
    });

    it('creates, finds, updates and pages through customers', async () => {
      const created = await call('create_customer', { name: 'Grace Hopper', email: 'grace@example.com' });
      expect(created.structuredContent).toMatchObject({ id: '5679', status: 'active' });
      const found = await call('search_customers', { query: 'grace' });
      expect(found.structuredContent).toEqual({ customers: [created.structuredContent], next_cursor: null });
      const updated = await call('update_customer', { customer_id: '5679', status: 'blocked' });
      expect(updated.structuredContent).toMatchObject({ name: 'Grace Hopper', status: 'blocked' });
      const first = await call('search_customers', { limit: 4 });
      const { customers, next_cursor } = first.structuredContent as {
        customers: unknown[];
        next_cursor: string;
      };
      expect(customers).toHaveLength(4);
      const second = await call('search_customers', { limit: 4, cursor: next_cursor });
      expect(second.structuredContent).toMatchObject({ next_cursor: null });
      expect((second.structuredContent as { customers: unknown[] }).customers).toHaveLength(2);
    });

    it('moves an order along its lifecycle and refuses a jump', async () => {
      expect(
        (await call('update_order_status', { order_id: '2345', status: 'shipped' })).structuredContent,
      ).toMatchObject({ status: 'shipped' });
      const refused = await call('update_order_status', { order_id: '2345', status: 'cancelled' });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toBe('CONFLICT: order 2345 is shipped: it can only become delivered');
      const listed = await call('list_orders', { customer_id: '2345', status: 'shipped' });
      expect((listed.structuredContent as { orders: Array<{ id: string }> }).orders.map((o) => o.id)).toEqual(
        ['2345'],
      );
    });

    it('reports errors as tool results whose text starts with the code', async () => {
      const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ['get_customer', { customer_id: '42' }, /^NOT_FOUND: no customer with id 42$/],
        // not an id: the caller's mistake, named (the contract's id convention), not a failed lookup
        [
          'get_order',
          { order_id: 'abc' },
          /^INVALID_INPUT: invalid arguments for get_order: order_id: expected an order id/,
        ],
        ['list_orders', { customer_id: '42' }, /^NOT_FOUND: no customer with id 42$/],
        [
          'create_customer',
          { name: 'Al', email: 'alice@example.com' },
          /^CONFLICT: email alice@example.com is taken by customer 1234/,
        ],
        [
          'create_customer',
          { name: 'Al', email: 'not-an-email' },
          /^INVALID_INPUT: .*email: expected an email address/,
        ],
        ['create_customer', { name: '   ', email: 'a@b.c' }, /^INVALID_INPUT: .*name: must not be blank/],
        [
          'create_customer',
          { name: 'tab\there', email: 'a@b.c' },
          /^INVALID_INPUT: .*name: contains a control character \(U\+0009\)/,
        ],
        // text that shows other than it is stored
        [
          'create_customer',
          { name: 'Eve\u202Egnp.exe', email: 'a@b.c' },
          /^INVALID_INPUT: .*name: contains a bidirectional control \(U\+202E\)/,
        ],
        [
          'create_customer',
          { name: 'Ali\u200Bce', email: 'a@b.c' },
          /^INVALID_INPUT: .*name: contains an invisible character \(U\+200B\)/,
        ],
        [
          'create_customer',
          { name: 'lone\ud800', email: 'a@b.c' },
          /^INVALID_INPUT: .*name: contains a lone surrogate/,
        ],
        [
          'update_customer',
          { customer_id: '1234', email: 'alice\u2066@example.com' },
          /^INVALID_INPUT: .*email: contains a bidirectional control \(U\+2066\)/,
        ],
        ['create_customer', { name: 'A', email: 'a@b.c', status: 'vip' }, /^INVALID_INPUT: .*status/],
        ['create_customer', { name: 'A', email: 'a@b.c', id: '7' }, /^INVALID_INPUT: .*id: unknown field/],
        ['update_customer', { customer_id: '1234' }, /^INVALID_INPUT: nothing to change/],
        ['search_customers', { limit: 0 }, /^INVALID_INPUT: .*limit/],
        ['search_customers', { limit: 101 }, /^INVALID_INPUT: .*limit/],
        ['search_customers', { cursor: 'bogus' }, /^INVALID_INPUT: cursor: /],
        ['get_customer', { customer_id: '1'.repeat(33) }, /^INVALID_INPUT: .*customer_id/],
        [
          'update_order_status',
          { order_id: '1235', status: 'processing' },
          /^CONFLICT: order 1235 is delivered: delivered is final/,
        ],
      ];
      for (const [name, args, expected] of cases) {
        const result = await call(name, args);
        expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
        expect(text(result)).toMatch(expected);
      }
    });
  });

  describe('scopes, when a caller is authenticated', () => {
    it('lets customers:read read and not write, and customers:write write and not read', async () => {
      const server = () => createCustomerDbServer({ repository: t.repository });
      const reader = await connectInMemory(server(), {
        caller: { clientId: 'reader', scopes: ['customers:read'] },
      });
      const writer = await connectInMemory(server(), {
        caller: { clientId: 'writer', scopes: ['customers:write'] },
      });
      try {
        for (const tool of READ_TOOLS) {
          const args = tool.startsWith('get_order')
            ? { order_id: '1234' }
            : tool === 'get_customer'
              ? { customer_id: '1234' }
              : {};
          expect((await reader.client.callTool({ name: tool, arguments: args })).isError, tool).toBeFalsy();
          expect(text(await writer.client.callTool({ name: tool, arguments: args }))).toBe(
            `FORBIDDEN: ${tool} needs the scope customers:read`,
          );
        }
        const create = { name: 'create_customer', arguments: { name: 'S', email: 's@example.com' } };
        expect(text(await reader.client.callTool(create))).toBe(
          'FORBIDDEN: create_customer needs the scope customers:write',
        );
        expect((await writer.client.callTool(create)).isError).toBeFalsy();
      } finally {
        await reader.close();
        await writer.close();
      }
    });
  });

  describe('resources', () => {
    it('lists the schema and templates, then every customer and order a page at a time', async () => {
      for (let i = 0; i < RESOURCE_PAGE + 5; i++)
        await t.repository.customers.create({ name: `R ${i}`, email: `r${i}@x.y` });
      const { client } = connected;
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((r) => r.uriTemplate)).toEqual([
        'customer-db://customers/{id}',
        'customer-db://orders/{id}',
      ]);
      const uris: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listResources(cursor ? { cursor } : {});
        uris.push(...page.resources.map((r) => r.uri));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(uris[0]).toBe('customer-db://schema');
      expect(uris.filter((u) => u.startsWith('customer-db://customers/'))).toHaveLength(
        5 + RESOURCE_PAGE + 5,
      );
      expect(uris.filter((u) => u.startsWith('customer-db://orders/'))).toHaveLength(6);
      expect(new Set(uris).size).toBe(uris.length);
      expect(uris).toContain('customer-db://customers/1234');
    });

    it('reads a customer and an order as the tools return them, and the schema as SQL', async () => {
      const { client } = connected;
      const customer = await client.readResource({ uri: 'customer-db://customers/1234' });
      expect(customer.contents[0]).toMatchObject({
        uri: 'customer-db://customers/1234',
        mimeType: 'application/json',
      });
      expect(JSON.parse((customer.contents[0] as { text: string }).text)).toEqual(
        (await call('get_customer', { customer_id: '1234' })).structuredContent,
      );
      const order = await client.readResource({ uri: 'customer-db://orders/1234' });
      expect(JSON.parse((order.contents[0] as { text: string }).text)).toMatchObject({ status: 'shipped' });
      const schema = await client.readResource({ uri: 'customer-db://schema' });
      const sql = (schema.contents[0] as { text: string }).text;
      expect(sql).toContain('CREATE TABLE customers');
      expect(sql).toContain(
        backend === 'sqlite' ? 'CREATE VIRTUAL TABLE customers_fts USING fts5' : 'USING gin (search)',
      );
      expect(sql).toContain('processing -> shipped -> delivered');
      expect(sql).not.toContain('customers_fts_data');
    });

    it('answers an unknown id with resource-not-found', async () => {
      await expect(
        connected.client.readResource({ uri: 'customer-db://customers/999' }),
      ).rejects.toMatchObject({
        code: -32002,
      });
      await expect(connected.client.readResource({ uri: 'customer-db://orders/abc' })).rejects.toMatchObject({
        code: -32002,
      });
    });

    it('completes ids', async () => {
      const complete = (uri: string, value: string) =>
        connected.client.complete({ ref: { type: 'ref/resource', uri }, argument: { name: 'id', value } });
      expect((await complete('customer-db://customers/{id}', '12')).completion).toMatchObject({
        values: ['1234'],
        hasMore: false,
      });
      expect((await complete('customer-db://orders/{id}', '123')).completion.values).toEqual([
        '1234',
        '1235',
      ]);
      expect((await complete('customer-db://customers/{id}', 'x')).completion.values).toEqual([]);
      for (let i = 0; i < 120; i++)
        await t.repository.customers.create({ name: `C ${i}`, email: `c${i}@x.y` });
      expect((await complete('customer-db://customers/{id}', '5')).completion).toMatchObject({
        hasMore: true,
      });
      expect((await complete('customer-db://customers/{id}', '5')).completion.values).toHaveLength(100);
    });
  });
});

describe('read-only mode', () => {
  it('offers only the reading tools, and says so', async () => {
    const ro = openTempDb();
    ro.repository.close();
    const repository = createRepository({ db: openDatabase({ path: ro.path, readOnly: true }) });
    const { client, close } = await connectInMemory(createCustomerDbServer({ repository }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS].sort());
      expect(client.getInstructions()).toContain('read-only');
      expect(
        (await client.callTool({ name: 'get_order', arguments: { order_id: '1234' } })).isError,
      ).toBeFalsy();
      await expect(
        client.callTool({ name: 'create_customer', arguments: { name: 'x', email: 'x@y.z' } }),
      ).rejects.toThrow(/unknown tool/);
      // the repository under it cannot write either
      await expect(repository.customers.create({ name: 'x', email: 'x@y.z' })).rejects.toThrow(
        expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('read-only') }),
      );
    } finally {
      await close();
      repository.close();
      ro.cleanup();
    }
  });
});

describe('readiness over HTTP', () => {
  let served: Awaited<ReturnType<typeof serveForTest>>;
  let own: TempDb;
  beforeAll(async () => {
    own = openTempDb();
    served = await serveForTest(createCustomerDbServer({ repository: own.repository }));
  });
  afterAll(async () => {
    await served.close();
    own.cleanup();
  });

  it('is ready while the database answers, and names it when it does not', async () => {
    const ready = await fetch(`${served.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    own.db.close();
    const down = await fetch(`${served.origin}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'not ready',
      checks: { database: 'the database is closed' },
    });
  });
});

describe.skipIf(!BACKENDS.includes('postgres'))('postgres: read-only and readiness', () => {
  it('read-only mode is enforced by the database: every transaction is read-only', async () => {
    const writable = await openPgTest();
    try {
      const ro = await openPgTest({ url: writable.url, readOnly: true });
      try {
        const { client, close } = await connectInMemory(
          createCustomerDbServer({ repository: ro.repository }),
        );
        try {
          const { tools } = await client.listTools();
          expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS].sort());
        } finally {
          await close();
        }
        expect((await ro.repository.orders.get('1234')).status).toBe('shipped');
        // the repository under it cannot write: PostgreSQL refuses (SQLSTATE 25006)
        await expect(ro.repository.customers.create({ name: 'x', email: 'x@y.z' })).rejects.toThrow(
          expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('read-only') }),
        );
        await expect(ro.repository.orders.updateStatus('2345', 'shipped')).rejects.toThrow(
          expect.objectContaining({ code: 'FORBIDDEN' }),
        );
        // even raw SQL on its pool: the server's default for every transaction
        await expect(ro.exec("UPDATE customers SET name = 'x' WHERE id = 1234")).rejects.toThrow(
          expect.objectContaining({ code: 'FORBIDDEN' }),
        );
      } finally {
        await ro.repository.close();
      }
    } finally {
      await writable.cleanup();
    }
  });

  it('read-only mode refuses an unmigrated database, saying what to do, never the password', async () => {
    const url = new URL((await import('./test-fixtures/backends.ts')).PG_URL);
    url.password = 'sekret-pw-123';
    url.searchParams.set('options', '-c search_path=cdb_test_does_not_exist');
    const started = openPgTest({ url: url.toString(), readOnly: true });
    await expect(started).rejects.toThrow(
      /schema version 0, this server needs 2: start once without --read-only/,
    );
    await expect(started).rejects.not.toThrow(/sekret-pw-123/);
  });

  it('/readyz pings the database, and says so when the pool is gone', async () => {
    const own = await openPgTest();
    const served = await serveForTest(createCustomerDbServer({ repository: own.repository }));
    try {
      const ready = await fetch(`${served.origin}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
      await own.db.close();
      const down = await fetch(`${served.origin}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        status: 'not ready',
        checks: { database: 'the database cannot be read' },
      });
    } finally {
      await served.close();
      await own.cleanup();
    }
  });
});
