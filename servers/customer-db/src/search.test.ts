import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_TERMS_MAX } from './schemas.ts';
import { planSearch } from './search.ts';
import { BACKENDS, openBackend, type TestBackend } from './test-fixtures/backends.ts';
import { containsFolded, HOSTILE } from './test-fixtures/hostile.ts';

describe('planSearch', () => {
  it('quotes every term with a letter or digit as a prefix phrase, doubling quotes', async () => {
    expect(planSearch('alice johnson')).toEqual({ match: '"alice"* "johnson"*', literals: [] });
    expect(planSearch('say "hi" AND NEAR(x)')).toEqual({
      match: '"say"* """hi"""* "AND"* "NEAR(x)"*',
      literals: ['"hi"', 'near(x)'],
    });
    expect(planSearch("o'brien")).toEqual({ match: '"o\'brien"*', literals: ["o'brien"] });
  });

  it('drops blanks and repeated terms (ignoring case), and splits on control characters', async () => {
    expect(planSearch('')).toBeUndefined();
    expect(planSearch(' \t\n ')).toBeUndefined();
    expect(planSearch('\u0000\u0007')).toBeUndefined();
    expect(planSearch('ali\u0000ce')).toEqual({ match: '"ali"* "ce"*', literals: [] });
    expect(planSearch('Bob bob BOB')).toEqual({ match: '"Bob"*', literals: [] });
  });

  it('sends a query without letters or digits to the symbol index, choosing a rare symbol', async () => {
    expect(planSearch('%')).toEqual({ symbol: '%', literals: ['%'] });
    expect(planSearch('@ .%')).toEqual({ symbol: '%', literals: ['@', '.%'] });
    expect(planSearch('@@')).toEqual({ symbol: '@', literals: ['@@'] });
    expect(planSearch('🎉')).toEqual({ symbol: '🎉', literals: ['🎉'] });
  });

  it('asks FTS5 for each word list once: same tokens, and one-word terms another term implies', async () => {
    // `exampl`, `exampl!` and `(exampl)` reach FTS5 as the same phrase; the punctuated ones stay literal
    expect(planSearch('exampl exampl! (exampl)')).toEqual({
      match: '"exampl"*',
      literals: ['exampl!', '(exampl)'],
    });
    // a word that begins a word of another term is implied by it
    expect(planSearch('exam examp example')).toEqual({ match: '"example"*', literals: [] });
    expect(planSearch("o o'hara")).toEqual({ match: '"o\'hara"*', literals: ["o'hara"] });
    expect(planSearch('ha smith o-hara')).toEqual({ match: '"smith"* "o-hara"*', literals: ['o-hara'] });
    // different words, or non-ASCII ones, are all kept
    expect(planSearch('ali john')).toEqual({ match: '"ali"* "john"*', literals: [] });
    expect(planSearch('zo zoë')).toEqual({ match: '"zoë"*', literals: [] });
    expect(planSearch('zoë zoëy')).toEqual({ match: '"zoë"* "zoëy"*', literals: [] });
    const many = Array.from({ length: 64 }, (_, i) => `exampl${'!'.repeat(i)}`).join(' ');
    expect(planSearch(many)?.match).toBe('"exampl"*');
  });

  it('refuses more distinct terms than it will look up', async () => {
    const many = Array.from({ length: QUERY_TERMS_MAX + 1 }, (_, i) => `w${i}`).join(' ');
    expect(() => planSearch(many)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(planSearch(Array.from({ length: 1000 }, () => 'same').join(' '))).toEqual({
      match: '"same"*',
      literals: [],
    });
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  describe('search over hostile names', () => {
    let t: TestBackend;
    const byName = new Map<string, string>();
    beforeAll(async () => {
      t = await openBackend(backend);
      for (const [i, name] of HOSTILE.entries()) {
        if (backend === 'postgres' && name.includes('\u0000')) {
          // PostgreSQL's text holds no NUL: refused (the tools refuse every control character before this)
          await expect(
            t.repository.customers.create({ name, email: `hostile${i}@example.test` }),
          ).rejects.toThrow(
            expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('NUL') }),
          );
          continue;
        }
        const created = await t.repository.customers.create({ name, email: `hostile${i}@example.test` });
        byName.set(name, created.id);
      }
      await t.repository.customers.create({ name: 'Under Score', email: 'under_score@example.test' });
    });
    afterAll(() => t.cleanup());

    const search = async (query: string) => {
      const found = [];
      let cursor: string | undefined;
      do {
        const page = await t.repository.customers.search({ query, limit: 100, cursor });
        found.push(...page.customers);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return found;
    };

    it('stores every hostile name exactly, and the tables survive', async () => {
      for (const [name, id] of byName) expect((await t.repository.customers.get(id)).name).toBe(name);
      expect(await t.scalar('SELECT count(*) FROM customers')).toBe(byName.size + 6);
      expect(await t.scalar('SELECT count(*) FROM orders')).toBe(6);
      expect((await t.repository.orders.get('1234')).status).toBe('shipped');
    });

    it('finds "%" in exactly the names containing "%", and "_" in exactly the names or emails with "_"', async () => {
      const percent = (await search('%')).map((c) => c.name);
      expect(percent.sort()).toEqual([...byName.keys()].filter((n) => n.includes('%')).sort());
      expect(percent).toContain('100% Cotton');
      expect(percent).not.toContain('Alice Johnson');
      const underscore = await search('_');
      expect(underscore.length).toBeGreaterThan(0);
      for (const c of underscore) expect(c.name.includes('_') || c.email.includes('_'), c.name).toBe(true);
      expect(underscore.map((c) => c.name)).toEqual(
        expect.arrayContaining(['snake_case_name', 'Under Score']),
      );
      expect((await search('%_%')).map((c) => c.name)).toContain('%_%');
    });

    it('finds each hostile name by itself, and every result holds each punctuated term literally', async () => {
      // every name stored (all of HOSTILE on SQLite; all but the one with a NUL on PostgreSQL)
      for (const query of byName.keys()) {
        const results = await search(query);
        expect(
          results.map((c) => c.id),
          query.slice(0, 40),
        ).toContain(byName.get(query));
        const punctuated = query.split(/\s+/u).filter((term) => /[^\p{L}\p{N}\p{M}]/u.test(term));
        for (const c of results) {
          for (const term of punctuated) {
            expect(
              containsFolded(c.name, term) || containsFolded(c.email, term),
              `${query.slice(0, 40)} → ${c.name.slice(0, 40)}`,
            ).toBe(true);
          }
        }
      }
    });

    it('treats FTS5 operators as words to find, not syntax', async () => {
      // as an operator, OR would find Alice Johnson and Bob Smith
      expect((await search('alice OR bob')).map((c) => c.name)).toEqual(['alice OR bob']);
      expect((await search('NEAR(alice bob)')).map((c) => c.name)).toEqual(['NEAR(alice bob)']);
      expect((await search('alice*')).map((c) => c.name)).toEqual(['alice*']);
      expect((await search('name:alice')).map((c) => c.name)).toEqual(['name:alice']);
      expect((await search('"')).length).toBeGreaterThan(0);
      for (const c of await search('"')) expect(c.name.includes('"') || c.email.includes('"')).toBe(true);
    });

    it('matches unicode by word prefix', async () => {
      expect((await search('李')).map((c) => c.name)).toEqual(['李小龙']);
      expect((await search('zephyr')).map((c) => c.name)).toEqual(['Ze\u0301phyr']);
      expect((await search('مرحبا')).map((c) => c.name)).toEqual(['مرحبا بالعالم']);
      expect((await search('🎉')).map((c) => c.name)).toEqual(['🎉 party 👨‍👩‍👧']);
    });
  });
});
