import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDbPath, HELP, parseBinArgs } from './options.ts';

describe('users-api options', () => {
  it('defaults to 127.0.0.1:8000 and the data directory', () => {
    expect(parseBinArgs([], { MCP_STACK_DATA_DIR: '/data' }, '1.0.0')).toEqual({
      kind: 'run',
      config: {
        host: '127.0.0.1',
        port: 8000,
        dbPath: join('/data', 'users.sqlite'),
        apiKey: undefined,
        logLevel: 'info',
      },
    });
  });

  it('reads the environment, and lets a flag win over its variable', () => {
    const env = {
      USERS_API_HOST: '0.0.0.0',
      USERS_API_PORT: '9000',
      USERS_DB_PATH: ':memory:',
      USERS_API_KEY: 'k',
      LOG_LEVEL: 'debug',
    };
    expect(parseBinArgs([], env, '1')).toMatchObject({
      config: { host: '0.0.0.0', port: 9000, dbPath: ':memory:', apiKey: 'k', logLevel: 'debug' },
    });
    expect(parseBinArgs(['--port', '0', '--host=::1'], env, '1')).toMatchObject({
      config: { host: '::1', port: 0 },
    });
  });

  it('prints help and the version', () => {
    expect(parseBinArgs(['--help'], {}, '1.2.3')).toEqual({ kind: 'exit', code: 0, text: HELP });
    expect(parseBinArgs(['--version'], {}, '1.2.3')).toEqual({ kind: 'exit', code: 0, text: '1.2.3' });
    for (const name of ['--host', '--port', 'USERS_DB_PATH', 'USERS_API_KEY', 'LOG_LEVEL'])
      expect(HELP).toContain(name);
  });

  it('exits 2 naming the flag and variable at fault, never echoing the key', () => {
    const bad = parseBinArgs(['--port', '70000'], { LOG_LEVEL: 'loud', USERS_API_KEY: 'sekrit-value' }, '1');
    expect(bad).toMatchObject({ kind: 'exit', code: 2 });
    const text = (bad as { text: string }).text;
    expect(text).toContain('--port / USERS_API_PORT: expected an integer from 0 to 65535');
    expect(text).toContain('LOG_LEVEL: expected one of');
    expect(text).not.toContain('sekrit-value');
    expect(parseBinArgs(['--db', 'x'], {}, '1')).toMatchObject({
      code: 2,
      text: expect.stringContaining('unknown option --db'),
    });
    expect(parseBinArgs(['--port'], {}, '1')).toMatchObject({
      code: 2,
      text: expect.stringContaining('--port needs a value'),
    });
  });

  it('finds the database in MCP_STACK_DATA_DIR, else XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultDbPath({ MCP_STACK_DATA_DIR: '/d', XDG_DATA_HOME: '/x' }, '/home/u')).toBe(
      join('/d', 'users.sqlite'),
    );
    expect(defaultDbPath({ XDG_DATA_HOME: '/x' }, '/home/u')).toBe(join('/x', 'mcp-stack', 'users.sqlite'));
    expect(defaultDbPath({}, '/home/u')).toBe(
      join('/home/u', '.local', 'share', 'mcp-stack', 'users.sqlite'),
    );
  });
});
