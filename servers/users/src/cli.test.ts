import { parseCli } from '@mcp-stack/core';
import { describe, expect, it } from 'vitest';
import { usersCli } from './cli.ts';

describe('mcp-server-users options', () => {
  it('defaults to stdio, port 3001 and the API at http://localhost:8000', () => {
    expect(parseCli(usersCli, [], {})).toMatchObject({
      kind: 'run',
      config: { MCP_TRANSPORT: 'stdio', MCP_PORT: 3001, MCP_HOST: '127.0.0.1' },
      options: {
        apiUrl: 'http://localhost:8000',
        apiKey: undefined,
        timeoutMs: 5000,
        retries: 2,
        concurrency: 16,
        cacheTtlMs: 2000,
      },
    });
  });

  it('reads the API settings from the environment, the URL flag winning', () => {
    const env = {
      USERS_API_URL: 'http://api.internal:8000',
      USERS_API_KEY: 'k',
      USERS_API_CACHE_TTL_MS: '0',
    };
    expect(parseCli(usersCli, ['--users-api-url', 'https://users.example.com'], env)).toMatchObject({
      options: { apiUrl: 'https://users.example.com', apiKey: 'k', cacheTtlMs: 0 },
    });
  });

  it('exits 2 naming bad values, never echoing the key', () => {
    const parsed = parseCli(usersCli, [], {
      USERS_API_URL: 'ftp://nope',
      USERS_API_RETRIES: '99',
      USERS_API_KEY: 'super-secret-key',
    });
    expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
    const text = (parsed as { text: string }).text;
    expect(text).toContain('--users-api-url / USERS_API_URL: expected an absolute http:// or https:// URL');
    expect(text).toContain('USERS_API_RETRIES: expected an integer from 0 to 10');
    expect(text).not.toContain('super-secret-key');
  });

  it('lists its own options in --help', () => {
    const help = parseCli(usersCli, ['--help'], {});
    for (const name of ['--users-api-url', 'USERS_API_KEY', 'USERS_API_TIMEOUT_MS', 'USERS_API_CACHE_TTL_MS'])
      expect((help as { text: string }).text).toContain(name);
  });
});
