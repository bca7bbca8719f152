// Hostile strings in every text argument of every tool: stored or searched literally, or refused
// with a clear INVALID_INPUT; never interpreted as SQL, LIKE patterns or FTS5 syntax.
import { type Connected, connectInMemory, errorDataOf } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerDbServer } from './server.ts';
import { BACKENDS, openBackend, type TestBackend } from './test-fixtures/backends.ts';
import { containsFolded, HOSTILE } from './test-fixtures/hostile.ts';

describe.each(BACKENDS)('%s', (backend) => {
  let t: TestBackend;
  let connected: Connected;
  const call = (name: string, args: Record<string, unknown>) =>
    connected.client.callTool({ name, arguments: args });
  const text = (result: Awaited<ReturnType<typeof call>>) =>
    (result.content as Array<{ text: string }>)[0]?.text ?? '';
  const CONTROL = /\p{Cc}/u;
  const short = (s: string) => JSON.stringify(s.slice(0, 30));

  beforeAll(async () => {
    t = await openBackend(backend);
    connected = await connectInMemory(createCustomerDbServer({ repository: t.repository }));
  });
  afterAll(async () => {
    await connected.close();
    await t.cleanup();
  });

  async function expectIntact() {
    // both tables still there, and still queryable
    expect(await t.scalar('SELECT count(*) FROM customers')).toBeGreaterThan(0);
    expect(await t.scalar('SELECT count(*) FROM orders')).toBe(6);
    expect((await t.repository.customers.get('1234')).name).toBe('Alice Johnson');
    expect((await t.repository.orders.get('1234')).status).toBe('shipped');
  }

  describe('hostile strings in every text argument', () => {
    it('create_customer.name and update_customer.name store them exactly', async () => {
      for (const [i, name] of HOSTILE.entries()) {
        const created = await call('create_customer', { name, email: `name${i}@example.test` });
        if (CONTROL.test(name)) {
          expect(text(created)).toMatch(/^INVALID_INPUT: .*name: contains a control character \(U\+0000\)/);
          continue;
        }
        expect(created.isError, short(name)).toBeFalsy();
        const id = (created.structuredContent as { id: string }).id;
        const got = await call('get_customer', { customer_id: id });
        expect((got.structuredContent as { name: string }).name).toBe(name);
        expect(JSON.parse(text(got)).name).toBe(name);
        const renamed = await call('update_customer', { customer_id: id, name: `${name}!` });
        expect((renamed.structuredContent as { name: string }).name).toBe(`${name}!`);
      }
      await expectIntact();
    });

    it('create_customer.email and update_customer.email store them, or refuse what is no email', async () => {
      for (const [i, local] of HOSTILE.entries()) {
        const email = `${local}@example.test`;
        const valid = /^[^\s@]+$/u.test(local) && !CONTROL.test(local) && email.length <= 254;
        const created = await call('create_customer', { name: `Email ${i}`, email });
        if (!valid) {
          expect(text(created), short(local)).toMatch(
            /^INVALID_INPUT: invalid arguments for create_customer: email: /,
          );
          continue;
        }
        expect(created.isError, short(local)).toBeFalsy();
        expect((created.structuredContent as { email: string }).email).toBe(email);
        const id = (created.structuredContent as { id: string }).id;
        const updated = await call('update_customer', { customer_id: id, email: `x${email}` });
        expect((updated.structuredContent as { email: string }).email).toBe(`x${email}`);
      }
      await expectIntact();
    });

    it('every id argument refuses them as ids: INVALID_INPUT naming the field (as data too), never a lookup', async () => {
      const idArgs: Array<[string, string, Record<string, unknown>]> = [
        ['get_customer', 'customer_id', {}],
        ['update_customer', 'customer_id', { status: 'active' }],
        ['get_order', 'order_id', {}],
        ['list_orders', 'customer_id', {}],
        ['update_order_status', 'order_id', { status: 'shipped' }],
      ];
      for (const [tool, field, extra] of idArgs) {
        for (const id of HOSTILE) {
          const result = await call(tool, { ...extra, [field]: id });
          expect(result.isError, `${tool} ${short(id)}`).toBe(true);
          // an id is a number (1234 or "1234"): anything else is the caller's mistake, said as such
          expect(text(result)).toMatch(
            new RegExp(`^INVALID_INPUT: invalid arguments for ${tool}: ${field}: `),
          );
          expect(errorDataOf(result), `${tool} ${short(id)}`).toMatchObject({
            code: 'INVALID_INPUT',
            fields: [field],
          });
        }
      }
      await expectIntact();
    });

    it('every cursor argument refuses them as cursors', async () => {
      for (const tool of ['search_customers', 'list_orders']) {
        for (const cursor of HOSTILE) {
          const result = await call(tool, { cursor });
          expect(text(result), `${tool} ${short(cursor)}`).toMatch(/^INVALID_INPUT: /);
        }
      }
    });

    it('search_customers.query searches them literally, across pages', async () => {
      for (const query of HOSTILE) {
        const found: Array<{ name: string; email: string }> = [];
        let cursor: string | undefined;
        do {
          const result = await call('search_customers', { query, limit: 100, ...(cursor && { cursor }) });
          expect(result.isError, short(query)).toBeFalsy();
          const page = result.structuredContent as { customers: typeof found; next_cursor: string | null };
          found.push(...page.customers);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        // the customer named exactly this (created above, renamed with a "!") is found
        if (!CONTROL.test(query))
          expect(
            found.map((c) => c.name),
            short(query),
          ).toContain(`${query}!`);
        for (const term of query.split(/\s+/u).filter((s) => /[^\p{L}\p{N}\p{M}]/u.test(s))) {
          for (const c of found)
            expect(containsFolded(c.name, term) || containsFolded(c.email, term)).toBe(true);
        }
      }
      const percent = await call('search_customers', { query: '%', limit: 100 });
      const hits = (percent.structuredContent as { customers: Array<{ name: string; email: string }> })
        .customers;
      expect(hits.length).toBeGreaterThan(0);
      // search covers name and email: some of these customers have "%" only in their email
      for (const c of hits) expect(`${c.name} ${c.email}`).toContain('%');
      await expectIntact();
    });
  });
});
