import { describe, expect, it } from 'vitest';
import { checkParams, isMethodOf } from './methods.ts';

describe('the method table', () => {
  it.each([
    ['tools/call', true, true],
    ['server/discover', false, true],
    ['initialize', true, false],
    ['ping', true, false],
    ['logging/setLevel', true, false],
    ['resources/subscribe', true, false],
    ['resources/unsubscribe', true, false],
    ['subscriptions/listen', false, true],
    ['tools/destroy', false, false],
  ])('%s: legacy %s, modern %s', (method, legacy, modern) => {
    expect([isMethodOf(method, 'legacy'), isMethodOf(method, 'modern')]).toEqual([legacy, modern]);
  });

  it('checks params with the schema of the method, -32601 for a method not in the era', () => {
    expect(checkParams('tools/call', { name: 'add', arguments: { a: 1 } }, 'modern')).toEqual({
      name: 'add',
      arguments: { a: 1 },
    });
    expect(() => checkParams('tools/call', { arguments: {} })).toThrow(
      expect.objectContaining({ code: -32602 }),
    );
    expect(() => checkParams('ping', {}, 'modern')).toThrow(expect.objectContaining({ code: -32601 }));
    expect(() => checkParams('server/discover', {}, 'legacy')).toThrow(
      expect.objectContaining({ code: -32601 }),
    );
    expect(checkParams('server/discover', { _meta: { x: 1 } }, 'modern')).toEqual({ _meta: { x: 1 } });
  });
});
