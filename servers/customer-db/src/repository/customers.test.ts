import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEARCH_WINDOW } from '../schemas.ts';
import { BACKENDS, openBackend, type TestBackend } from '../test-fixtures/backends.ts';

describe.each(BACKENDS)('%s', (backend) => {
  let t: TestBackend;
  beforeEach(async () => {
    t = await openBackend(backend);
  });
  afterEach(() => t.cleanup());

  const names = (page: { customers: Array<{ name: string }> }) => page.customers.map((c) => c.name);

  describe('customers repository', () => {
    it('gets the seeded customers by their string ids', async () => {
      expect(await t.repository.customers.get('1234')).toEqual({
        id: '1234',
        name: 'Alice Johnson',
        email: 'alice@example.com',
        status: 'active',
        created_at: '2025-01-15T09:30:00.000Z',
        updated_at: '2025-01-15T09:30:00.000Z',
      });
      expect((await t.repository.customers.get('2345')).name).toBe('Bob Smith');
    });

    it('says NOT_FOUND for unknown and impossible ids, with a hint for the impossible ones', async () => {
      const customers = t.repository.customers;
      await expect(customers.get('42')).rejects.toThrow(
        expect.objectContaining({ code: 'NOT_FOUND', message: 'no customer with id 42' }),
      );
      for (const id of [
        '01234',
        '#1234',
        '1234 ',
        '12.0',
        '-1',
        '99999999999999999',
        "'; DROP TABLE customers; --",
      ]) {
        await expect(customers.get(id), id).rejects.toThrow(
          expect.objectContaining({
            code: 'NOT_FOUND',
            message: `no customer with id ${id} (ids are digits, like "1234")`,
          }),
        );
      }
    });

    it('creates a customer with the next id and the clock’s timestamps', async () => {
      const created = await t.repository.customers.create({
        name: 'Carla Rossi',
        email: 'carla@example.com',
      });
      expect(created).toEqual({
        id: '5679',
        name: 'Carla Rossi',
        email: 'carla@example.com',
        status: 'active',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      });
      expect(await t.repository.customers.get('5679')).toEqual(created);
      expect(
        (await t.repository.customers.create({ name: 'X', email: 'x@y.z', status: 'blocked' })).status,
      ).toBe('blocked');
    });

    it('refuses a taken email whatever its case, naming who has it', async () => {
      await expect(
        t.repository.customers.create({ name: 'Imposter', email: 'ALICE@example.COM' }),
      ).rejects.toThrow(
        expect.objectContaining({
          code: 'CONFLICT',
          message: expect.stringMatching(/^email ALICE@example.COM is taken by customer 1234/),
        }),
      );
      await expect(t.repository.customers.update('2345', { email: 'Alice@Example.com' })).rejects.toThrow(
        expect.objectContaining({ code: 'CONFLICT' }),
      );
      // a customer may change the case of their own email
      expect((await t.repository.customers.update('1234', { email: 'Alice@Example.com' })).email).toBe(
        'Alice@Example.com',
      );
    });

    it('updates only what it is given, and leaves updated_at alone when nothing changes', async () => {
      const customers = t.repository.customers;
      const updated = await customers.update('2345', { status: 'inactive' });
      expect(updated).toMatchObject({ name: 'Bob Smith', email: 'bob@example.com', status: 'inactive' });
      expect(updated.updated_at).toBe('2026-01-01T00:00:00.000Z');
      const again = await customers.update('2345', { status: 'inactive', name: 'Bob Smith' });
      expect(again).toEqual(updated);
      const renamed = await customers.update('2345', { name: 'Robert Smith', email: 'robert@example.com' });
      expect(renamed).toMatchObject({
        name: 'Robert Smith',
        email: 'robert@example.com',
        status: 'inactive',
      });
      // the search index followed the rename
      expect(names(await customers.search({ query: 'robert', limit: 20 }))).toEqual(['Robert Smith']);
      expect(names(await customers.search({ query: 'bob', limit: 20 }))).toEqual([]);
      await expect(customers.update('2345', {})).rejects.toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
      await expect(customers.update('777', { name: 'x' })).rejects.toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    });

    it('searches words by prefix, in name and email, ignoring case and accents, every word required', async () => {
      const search = async (query: string) =>
        names(await t.repository.customers.search({ query, limit: 20 }));
      expect(await search('alice')).toEqual(['Alice Johnson']);
      expect(await search('ALI john')).toEqual(['Alice Johnson']);
      expect(await search('johnson alice')).toEqual(['Alice Johnson']);
      expect(await search('alice smith')).toEqual([]);
      expect(await search('zoe angstrom')).toEqual(['Zoë Ångström']);
      expect(await search('díaz')).toEqual(['Carol Díaz']);
      expect(await search('example.com')).toEqual([
        'Alice Johnson',
        'Bob Smith',
        'Carol Díaz',
        "Dan O'Brien",
      ]);
      expect(await search("o'brien")).toEqual(["Dan O'Brien"]);
      expect(await search('obrien')).toEqual(["Dan O'Brien"]); // the email dan.obrien@
      expect(await search('   ')).toHaveLength(5); // blank: everyone
    });

    it('filters by status, alone or with a query', async () => {
      const customers = t.repository.customers;
      expect(names(await customers.search({ status: 'blocked', limit: 20 }))).toEqual(['Zoë Ångström']);
      expect(names(await customers.search({ status: 'inactive', query: 'dan', limit: 20 }))).toEqual([
        "Dan O'Brien",
      ]);
      expect(names(await customers.search({ status: 'active', query: 'dan', limit: 20 }))).toEqual([]);
    });

    it('pages with an opaque cursor until next_cursor is null, every customer once, in id order', async () => {
      const customers = t.repository.customers;
      for (let i = 0; i < 45; i++)
        await customers.create({ name: `Page Person ${i}`, email: `page${i}@example.test` });
      const seen: string[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      do {
        const page = await customers.search({ query: 'page', limit: 20, cursor });
        sizes.push(page.customers.length);
        seen.push(...page.customers.map((c) => c.id));
        cursor = page.next_cursor ?? undefined;
        if (cursor) expect(cursor).not.toMatch(/\d{4}/); // opaque, not a bare id
      } while (cursor);
      expect(sizes).toEqual([20, 20, 5]);
      expect(seen).toEqual([...seen].sort((a, b) => Number(a) - Number(b)));
      expect(new Set(seen).size).toBe(45);
      // an exact multiple of the limit ends with null, not an empty extra page
      const all = await customers.search({ limit: 50 });
      expect(all.customers).toHaveLength(50);
      expect(all.next_cursor).toBeNull();
    });

    it('refuses a cursor from other filters, another list, or made up', async () => {
      const customers = t.repository.customers;
      const page = await customers.search({ limit: 2 });
      const cursor = page.next_cursor as string;
      expect((await customers.search({ limit: 2, cursor })).customers).toHaveLength(2);
      const invalid = expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^cursor: /),
      });
      await expect(customers.search({ limit: 2, cursor, status: 'active' })).rejects.toThrow(invalid);
      await expect(customers.search({ limit: 2, cursor, query: 'a' })).rejects.toThrow(invalid);
      await expect(t.repository.orders.list({ limit: 2, cursor })).rejects.toThrow(invalid);
      await expect(customers.search({ limit: 2, cursor: 'garbage' })).rejects.toThrow(invalid);
      await expect(
        customers.search({ limit: 2, cursor: Buffer.from('{"k":"customers","a":-5}').toString('base64url') }),
      ).rejects.toThrow(invalid);
    });

    it('completes ids by prefix, shortest first, from the primary key', async () => {
      const customers = t.repository.customers;
      expect(await customers.idsStartingWith('', 101)).toEqual(['1234', '2345', '3456', '4567', '5678']);
      expect(await customers.idsStartingWith('2', 101)).toEqual(['2345']);
      expect(await customers.idsStartingWith('56', 101)).toEqual(['5678']);
      expect(await customers.idsStartingWith('9', 101)).toEqual([]);
      expect(await customers.idsStartingWith('x', 101)).toEqual([]);
      for (let i = 0; i < 30; i++) await customers.create({ name: `n${i}`, email: `n${i}@x.y` }); // 5679..5708
      expect(await customers.idsStartingWith('57', 101)).toEqual(
        Array.from({ length: 9 }, (_, i) => String(5700 + i)),
      );
      expect(await customers.idsStartingWith('5', 3)).toEqual(['5678', '5679', '5680']);
    });
  });

  describe('bounded search', () => {
    /** Every page of a search, and how many calls it took. */
    const everyPage = async (query: string, status?: 'active' | 'inactive' | 'blocked') => {
      const pages = [];
      let cursor: string | undefined;
      do {
        const page = await t.repository.customers.search({ query, status, limit: 20, cursor });
        pages.push(page);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && pages.length < 100);
      return { found: pages.flatMap((p) => p.customers.map((c) => c.name)), calls: pages.length, pages };
    };

    it('examines at most SEARCH_WINDOW candidates a call: a short page with a cursor, and nothing is missed', async () => {
      const customers = t.repository.customers;
      await customers.create({ name: 'First @@ Match', email: 'first@example.test' });
      await t.seed(2 * SEARCH_WINDOW + 500);
      await customers.create({ name: 'Last @@ Match', email: 'last@example.test' });
      // every customer has an @ (the symbol index's choice); only two have "@@"
      const { found, calls, pages } = await everyPage('@@');
      expect(found).toEqual(['First @@ Match', 'Last @@ Match']);
      expect(calls).toBe(Math.ceil((2 * SEARCH_WINDOW + 500 + 7) / SEARCH_WINDOW));
      expect(pages[0]?.customers.map((c) => c.name)).toEqual(['First @@ Match']);
      expect(pages[0]?.next_cursor).toEqual(expect.any(String));
      expect(pages[1]?.customers).toEqual([]); // a window with no match: an empty page that goes on
      expect(pages.at(-1)?.next_cursor).toBeNull();
    });

    it('bounds a full-text search filtered by status the same way, and a full page still ends at the limit', async () => {
      await t.seed(2 * SEARCH_WINDOW);
      const blocked = await t.scalar(
        "SELECT count(*) FROM customers WHERE status = 'blocked' AND (email LIKE '%example%')",
      );
      const { found } = await everyPage('example', 'blocked');
      expect(found).toHaveLength(blocked);
      const page = await t.repository.customers.search({ query: 'example', limit: 5 });
      expect(page.customers).toHaveLength(5);
    });
  });
});
