import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JSON_LIMITS, jsonShapeProblem, scanJsonShape, withinJsonLimitsByCount } from './json-limits.ts';

const idOf = (text: string) => {
  const { id } = scanJsonShape(text);
  return id && text.slice(id[0], id[1]).trim();
};

describe('scanJsonShape (the bounds on the text, before parsing)', () => {
  it('refuses exactly what the walk of the parsed value refuses, on any JSON, at tight bounds', () => {
    const limits = { maxDepth: 4, maxMembers: 12 };
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.constantFrom(0, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        // the two may name different bounds when both are crossed: they look in different orders
        expect(scanJsonShape(text, limits).problem !== undefined).toBe(
          jsonShapeProblem(value, limits) !== undefined,
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses past 64 levels and past 10,000 members, and passes what is at the bound', () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    expect(scanJsonShape(nested(JSON_LIMITS.maxDepth)).problem).toBeUndefined();
    expect(scanJsonShape(nested(JSON_LIMITS.maxDepth + 1)).problem).toMatch(/deeper than 64 levels/);
    const items = (n: number) => `[${Array.from({ length: n }, () => '0').join(',')}]`;
    expect(scanJsonShape(items(10_000)).problem).toBeUndefined();
    expect(scanJsonShape(items(10_001)).problem).toMatch(/more than 10000 members/);
    // unclosed: refused at the bound without reading the rest
    expect(scanJsonShape('['.repeat(100_000)).problem).toMatch(/deeper/);
  });

  it('does not count what is inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: `[[[[,,,,"\\"{{{{${'['.repeat(100)}`, b: 'x\\' });
    expect(scanJsonShape(text, { maxDepth: 2, maxMembers: 2 }).problem).toBeUndefined();
  });

  it('finds the top-level id, wherever it is among the members, and only there', () => {
    expect(idOf('{"jsonrpc":"2.0","id":42,"method":"x"}')).toBe('42');
    expect(idOf('{ "method" : "id" , "id" : "a\\"b" }')).toBe('"a\\"b"');
    expect(idOf('{"params":{"id":7},"method":"id","x":1,"id":[1,{"id":2}]}')).toBe('[1,{"id":2}]');
    expect(idOf('{"params":{"id":7}}')).toBeUndefined();
    expect(idOf('["id",1]')).toBeUndefined();
  });

  it('reads any text, accents, CJK and astral characters included, as it would its UTF-8 bytes', () => {
    const text = '{"params":{"name":"Zoë 北京 🦊\\"x"},"method":"é","id":"🦊-1"}';
    expect(idOf(text)).toBe('"🦊-1"');
    expect(scanJsonShape(text, { maxDepth: 2, maxMembers: 4 }).problem).toBeUndefined();
    expect(scanJsonShape(text, { maxDepth: 1, maxMembers: 4 }).problem).toMatch(/deeper than 1 levels/);
  });

  it('tells a request (a top-level method before the bound) from a response or a notification', () => {
    const method = (text: string) => scanJsonShape(text, { maxDepth: 3, maxMembers: 100 }).method;
    expect(method('{"id":1,"method":"ping","params":[[[[]]]]}')).toBe(true);
    expect(method('{"id":1,"result":{"method":"x"},"x":[[[[]]]]}')).toBe(false);
    expect(method('{"id":1,"result":"method","x":[[[[]]]]}')).toBe(false);
  });

  it('leaves broken JSON to the parser unless it crosses a bound first', () => {
    expect(scanJsonShape('{"a":"unterminated').problem).toBeUndefined();
    expect(scanJsonShape('}}}]]]').problem).toBeUndefined();
    expect(scanJsonShape('').problem).toBeUndefined();
  });
});

describe('withinJsonLimitsByCount (the shortcut that spares an ordinary request the scan)', () => {
  it('clears only text the scan would pass too, on any JSON, at tight bounds', () => {
    const limits = { maxDepth: 4, maxMembers: 40 };
    let cleared = 0;
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.constantFrom(0, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        if (!withinJsonLimitsByCount(text, limits)) return;
        cleared++;
        expect(scanJsonShape(text, limits).problem).toBeUndefined();
      }),
      { numRuns: 2_000 },
    );
    expect(cleared).toBeGreaterThan(200); // the property did see text it clears
  });

  it('clears an ordinary request, and leaves to the scan a long text or one with many brackets', () => {
    const request = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'x', arguments: {} },
    });
    expect(withinJsonLimitsByCount(request)).toBe(true);
    expect(withinJsonLimitsByCount('['.repeat(JSON_LIMITS.maxDepth))).toBe(true);
    expect(withinJsonLimitsByCount('['.repeat(JSON_LIMITS.maxDepth + 1))).toBe(false);
    // brackets inside strings count too: the shortcut only ever sends more text to the scan
    expect(withinJsonLimitsByCount(JSON.stringify({ s: '{'.repeat(65) }))).toBe(false);
    expect(withinJsonLimitsByCount(`"${'a'.repeat(JSON_LIMITS.maxMembers)}"`)).toBe(false);
  });
});
