import { describe, expect, it } from 'vitest';
import { checkModernHeaders, checkParamHeaders, decodeHeaderValue } from './modern-headers.ts';

const b64 = (value: string) => `=?base64?${Buffer.from(value).toString('base64')}?=`;

describe('decodeHeaderValue', () => {
  it.each([
    ['plain ASCII', 'us-west1', 'us-west1'],
    ['the base64 form', b64('Hello, 世界'), 'Hello, 世界'],
    ['the sentinel without its suffix, as a literal', '=?base64?SGVsbG8=', '=?base64?SGVsbG8='],
    ['bad padding', '=?base64?SGVsbG8?=', undefined],
    ['characters outside the alphabet', '=?base64?SGVs!!!bG8=?=', undefined],
    ['a control character', 'a\u0001b', undefined],
  ])('%s', (_name, value, decoded) => {
    expect(decodeHeaderValue(value)).toBe(decoded);
  });
});

describe('checkModernHeaders', () => {
  const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'add' };

  it('accepts headers that mirror the body, and a padded or encoded Mcp-Name', () => {
    expect(() => checkModernHeaders(headers, 'tools/call', { name: 'add' })).not.toThrow();
    expect(() =>
      checkModernHeaders({ ...headers, 'mcp-name': '  add  ' }, 'tools/call', { name: 'add' }),
    ).not.toThrow();
    expect(() =>
      checkModernHeaders({ ...headers, 'mcp-name': b64('add') }, 'tools/call', { name: 'add' }),
    ).not.toThrow();
    const read = {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'resources/read',
      'mcp-name': 'a://b',
    };
    expect(() => checkModernHeaders(read, 'resources/read', { uri: 'a://b' })).not.toThrow();
    const list = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };
    expect(() => checkModernHeaders(list, 'tools/list', {})).not.toThrow();
  });

  it.each([
    ['no version header', { ...headers, 'mcp-protocol-version': undefined }],
    ['no Mcp-Method', { ...headers, 'mcp-method': undefined }],
    ['another method', { ...headers, 'mcp-method': 'TOOLS/CALL' }],
    ['no Mcp-Name', { ...headers, 'mcp-name': undefined }],
    ['another name', { ...headers, 'mcp-name': 'sub' }],
  ])('refuses %s with -32020', (_name, given) => {
    expect(() => checkModernHeaders(given, 'tools/call', { name: 'add' })).toThrow(
      expect.objectContaining({ code: -32020 }),
    );
  });
});

describe('checkParamHeaders', () => {
  const params = [
    { header: 'Region', path: ['region'] },
    { header: 'Count', path: ['options', 'count'] },
  ];

  it('accepts mirrored values, numbers compared as numbers, and no header for no value', () => {
    expect(() =>
      checkParamHeaders({ 'mcp-param-region': 'eu', 'mcp-param-count': '42.0' }, params, {
        region: 'eu',
        options: { count: 42 },
      }),
    ).not.toThrow();
    expect(() => checkParamHeaders({}, params, { options: {} })).not.toThrow();
  });

  it.each([
    ['a missing header', {}, { region: 'eu' }],
    ['another value', { 'mcp-param-region': 'us' }, { region: 'eu' }],
    ['bad base64', { 'mcp-param-region': '=?base64?ZXU?=' }, { region: 'eu' }],
  ])('refuses %s with -32020', (_name, headers, args) => {
    expect(() => checkParamHeaders(headers, params, args)).toThrow(expect.objectContaining({ code: -32020 }));
  });
});
