import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from '@mcp-stack/core';
import { describe, expect, it } from 'vitest';
import { customerDbCli } from './cli.ts';
import { defaultDbPath } from './data-path.ts';
import { CLEAN_ENV, tempDir } from './test-fixtures/temp-db.ts';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--conditions=@mcp-stack/source', BIN, ...args], {
    env: { ...process.env, ...CLEAN_ENV, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('the default database path', () => {
  it('is in MCP_STACK_DATA_DIR, else XDG_DATA_HOME/mcp-stack, else ~/.local/share/mcp-stack', () => {
    expect(defaultDbPath({ MCP_STACK_DATA_DIR: '/data', XDG_DATA_HOME: '/xdg' }, '/home/u')).toBe(
      '/data/customer-db.sqlite',
    );
    expect(defaultDbPath({ XDG_DATA_HOME: '/xdg' }, '/home/u')).toBe('/xdg/mcp-stack/customer-db.sqlite');
    expect(defaultDbPath({}, '/home/u')).toBe('/home/u/.local/share/mcp-stack/customer-db.sqlite');
    // empty counts as unset, and the XDG spec says to ignore a relative XDG_DATA_HOME
    expect(defaultDbPath({ MCP_STACK_DATA_DIR: '', XDG_DATA_HOME: 'rel' }, '/home/u')).toBe(
      '/home/u/.local/share/mcp-stack/customer-db.sqlite',
    );
  });
});

describe('the bin’s options', () => {
  const cli = customerDbCli({});

  it('default to port 3002, the default path, writable, seeded', () => {
    expect(parseCli(cli, [], {})).toMatchObject({
      kind: 'run',
      config: { MCP_PORT: 3002, MCP_TRANSPORT: 'stdio' },
      options: { dbPath: undefined, readOnly: false, noSeed: false },
    });
  });

  it('read flags, and env vars under them', () => {
    expect(parseCli(cli, ['--db', '/x.sqlite', '--read-only', '--no-seed'], {})).toMatchObject({
      options: { dbPath: '/x.sqlite', readOnly: true, noSeed: true },
    });
    expect(
      parseCli(cli, [], {
        CUSTOMER_DB_PATH: '/env.sqlite',
        CUSTOMER_DB_READ_ONLY: '1',
        CUSTOMER_DB_NO_SEED: 'yes',
      }),
    ).toMatchObject({ options: { dbPath: '/env.sqlite', readOnly: true, noSeed: true } });
    expect(parseCli(cli, ['--db=/flag.sqlite'], { CUSTOMER_DB_PATH: '/env.sqlite' })).toMatchObject({
      options: { dbPath: '/flag.sqlite' },
    });
    expect(parseCli(cli, [], { CUSTOMER_DB_READ_ONLY: 'maybe' })).toMatchObject({
      kind: 'exit',
      code: 2,
      text: expect.stringContaining('CUSTOMER_DB_READ_ONLY: expected a boolean'),
    });
  });
});

describe('the bin', () => {
  it('--help lists its own options and the seed command’s', () => {
    const { status, stdout } = run(['--help']);
    expect(status).toBe(0);
    for (const text of [
      '--db <path>',
      'CUSTOMER_DB_PATH',
      '--read-only',
      'CUSTOMER_DB_READ_ONLY',
      '--no-seed',
      'default 3002',
      'mcp-server-customer-db seed --customers <n>',
    ])
      expect(stdout).toContain(text);
  });

  it('exits 1 saying how to fix it when read-only finds no database', () => {
    const { dir, cleanup } = tempDir();
    try {
      const { status, stderr, stdout } = run(['--read-only', '--db', join(dir, 'none.sqlite')]);
      expect(status).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        `mcp-server-customer-db: no database at ${join(dir, 'none.sqlite')}: start once without --read-only`,
      );
    } finally {
      cleanup();
    }
  });

  it('exits 2 on an unknown option', () => {
    const { status, stderr } = run(['--nope']);
    expect(status).toBe(2);
    expect(stderr).toContain('unknown option --nope');
  });
});
