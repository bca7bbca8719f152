import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP, parseArgs, UsageError } from './args.ts';
import { nameProblem, serverNames, snakeCase } from './names.ts';

describe('names', () => {
  it('accepts lowercase npm-safe names', () => {
    for (const name of ['billing', 'order-history', 'x1', 'a-b-c']) expect(nameProblem(name)).toBeUndefined();
  });

  it('refuses bad, reserved and taken names, saying why', () => {
    expect(nameProblem('Billing')).toContain('use lowercase (billing)');
    expect(nameProblem('')).toContain('empty');
    for (const bad of [
      '1billing',
      'bill_ing',
      'bill--ing',
      '-billing',
      'billing-',
      'bil ling',
      '@x/y',
      'bill.ing',
    ]) {
      expect(nameProblem(bad), bad).toContain('not a valid name');
    }
    expect(nameProblem('a'.repeat(41))).toContain('40');
    expect(nameProblem('core')).toContain('reserved');
    expect(nameProblem('users-api')).toContain('reserved');
    expect(nameProblem('server-billing')).toContain('prefix');
    const root = mkdtempSync(join(tmpdir(), 'names-'));
    try {
      mkdirSync(join(root, 'servers', 'demo'), { recursive: true });
      expect(nameProblem('demo', root)).toBe(
        'servers/demo already exists; pick another name (nothing is ever overwritten)',
      );
      expect(nameProblem('billing', root)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true });
    }
  });

  it('spells a name every way the files need', () => {
    expect(serverNames('order-history')).toEqual({
      name: 'order-history',
      packageName: '@mcp-stack/server-order-history',
      bin: 'mcp-server-order-history',
      constant: 'ORDER_HISTORY',
      camel: 'orderHistory',
      pascal: 'OrderHistory',
    });
    expect(snakeCase('showPetById')).toBe('show_pet_by_id');
    expect(snakeCase('X-Request-Id')).toBe('x_request_id');
  });
});

describe('arguments', () => {
  it('parses a name and options, lists repeated or comma-separated', () => {
    expect(
      parseArgs([
        'billing',
        '--from-openapi',
        'api.yaml',
        '--include',
        'a,b',
        '--include=c',
        '--exclude',
        'd',
        '--port',
        '3010',
      ]),
    ).toEqual({
      name: 'billing',
      fromOpenApi: 'api.yaml',
      include: ['a', 'b', 'c'],
      exclude: ['d'],
      port: 3010,
      format: true,
      help: false,
    });
    expect(parseArgs(['--help']).help).toBe(true);
    expect(HELP).toContain('--from-openapi');
  });

  it('refuses unknown options, missing values and two names', () => {
    expect(() => parseArgs(['x', '--nope'])).toThrow(UsageError);
    expect(() => parseArgs(['x', '--from-openapi'])).toThrow('--from-openapi needs a value');
    expect(() => parseArgs(['x', 'y'])).toThrow('one name only');
    expect(() => parseArgs(['x', '--port', '99999'])).toThrow('--port');
  });
});
