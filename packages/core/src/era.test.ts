import { describe, expect, it } from 'vitest';
import { eraOf, MODERN_PROTOCOL_VERSIONS, readModernMeta, SUPPORTED_VERSIONS } from './era.ts';

const meta = (fields: Record<string, unknown>) => ({ _meta: fields });
const VALID = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

describe('eraOf', () => {
  it.each([
    ['a _meta version claim', 'tools/list', meta(VALID), undefined, 'modern'],
    [
      'a claim of a version nobody speaks',
      'tools/list',
      meta({ ...VALID, 'io.modelcontextprotocol/protocolVersion': 'x' }),
      undefined,
      'modern',
    ],
    ['a modern version header without the claim', 'tools/list', {}, '2026-07-28', 'modern'],
    ['an unknown version header', 'tools/list', {}, '1999-01-01', 'modern'],
    ['server/discover, even bare', 'server/discover', undefined, undefined, 'modern'],
    ['a legacy version header', 'tools/list', {}, '2025-11-25', 'legacy'],
    ['initialize', 'initialize', { protocolVersion: '2025-11-25' }, undefined, 'legacy'],
    ['a plain request', 'tools/call', { name: 'x', _meta: { progressToken: 1 } }, undefined, 'legacy'],
  ])('%s', (_name, method, params, header, era) => {
    expect(eraOf(method, params, header)).toBe(era);
  });
});

describe('readModernMeta', () => {
  it('returns the version, the capabilities and the log level', () => {
    expect(
      readModernMeta(meta({ ...VALID, 'io.modelcontextprotocol/logLevel': 'debug' }), '2026-07-28'),
    ).toEqual({
      version: '2026-07-28',
      clientCapabilities: {},
      logLevel: 'debug',
    });
  });

  it.each([
    ['no _meta', undefined, undefined, -32602],
    ['no version', meta({ 'io.modelcontextprotocol/clientCapabilities': {} }), undefined, -32602],
    ['no capabilities', meta({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }), undefined, -32602],
    [
      'capabilities that are not an object',
      meta({ ...VALID, 'io.modelcontextprotocol/clientCapabilities': [] }),
      undefined,
      -32602,
    ],
    [
      'an unknown log level',
      meta({ ...VALID, 'io.modelcontextprotocol/logLevel': 'loud' }),
      undefined,
      -32602,
    ],
    ['a header unlike the claim', meta(VALID), '2025-11-25', -32020],
    [
      'a version nobody speaks',
      meta({ ...VALID, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }),
      undefined,
      -32022,
    ],
    [
      'a legacy version in _meta',
      meta({ ...VALID, 'io.modelcontextprotocol/protocolVersion': '2025-11-25' }),
      undefined,
      -32022,
    ],
    ['an unknown header and no claim', {}, '1999-01-01', -32022],
  ])('refuses %s', (_name, params, header, code) => {
    expect(() => readModernMeta(params, header)).toThrow(expect.objectContaining({ code }));
  });

  it('names what is supported and what was asked in -32022', () => {
    expect(() =>
      readModernMeta(meta({ ...VALID, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' })),
    ).toThrow(
      expect.objectContaining({ data: { supported: MODERN_PROTOCOL_VERSIONS, requested: '2099-01-01' } }),
    );
  });

  it('lists both eras for discovery, the modern first', () => {
    expect(SUPPORTED_VERSIONS.slice(0, 2)).toEqual(['2026-07-28', '2025-11-25']);
  });
});
