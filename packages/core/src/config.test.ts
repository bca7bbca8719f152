import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  envBoolean,
  envInt,
  envList,
  envLogLevel,
  envPort,
  envUrl,
  loadConfig,
} from './config.ts';

const schema = z.object({
  MCP_PORT: envPort().default(3001),
  MCP_STATEFUL: envBoolean().default(false),
  MCP_ALLOWED_HOSTS: envList().optional(),
  LOG_LEVEL: envLogLevel().default('info'),
  USERS_API_URL: envUrl(),
  USERS_API_KEY: z.string().min(32, { error: 'expected at least 32 characters' }).optional(),
  MCP_RATE_LIMIT_RPS: envInt(0, 100_000).default(50),
});

function problemsOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses and types values, with defaults for what is unset or empty', () => {
    const config = loadConfig(schema, {
      MCP_PORT: '0',
      MCP_STATEFUL: 'YES',
      MCP_ALLOWED_HOSTS: 'a.test:1, b.test:2,,',
      USERS_API_URL: 'http://localhost:8000',
      LOG_LEVEL: '',
      UNRELATED: 'ignored',
    });
    expect(config).toEqual({
      MCP_PORT: 0,
      MCP_STATEFUL: true,
      MCP_ALLOWED_HOSTS: ['a.test:1', 'b.test:2'],
      LOG_LEVEL: 'info',
      USERS_API_URL: 'http://localhost:8000',
      MCP_RATE_LIMIT_RPS: 50,
    });
  });

  it('names every offending variable and what it expects, in one error', () => {
    const error = problemsOf(() =>
      loadConfig(schema, {
        MCP_PORT: '70000',
        MCP_STATEFUL: 'maybe',
        LOG_LEVEL: 'loud',
        MCP_RATE_LIMIT_RPS: '1.5',
      }),
    );
    const variables = error.problems.map((p) => p.variable).sort();
    expect(variables).toEqual([
      'LOG_LEVEL',
      'MCP_PORT',
      'MCP_RATE_LIMIT_RPS',
      'MCP_STATEFUL',
      'USERS_API_URL',
    ]);
    expect(error.message).toContain('MCP_PORT: expected an integer from 0 to 65535');
    expect(error.message).toContain('USERS_API_URL: is required');
    expect(error.message).toContain('MCP_STATEFUL: expected a boolean');
    expect(error.message).toContain('LOG_LEVEL: expected one of fatal, error, warn, info');
    expect(error.message).toMatch(/^invalid configuration \(5 problems\)/);
  });

  it('never echoes the value of a secret', () => {
    const echoing = z.object({
      USERS_API_KEY: z
        .string()
        .refine((v) => v.length > 40, { error: (i) => `too short: ${String(i.input)}` }),
      DB_PASSWORD: z.string().regex(/^\d+$/, { error: (i) => `bad ${String(i.input)}` }),
      PLAIN: z.string().regex(/^\d+$/, { error: (i) => `bad ${String(i.input)}` }),
    });
    const error = problemsOf(() =>
      loadConfig(echoing, { USERS_API_KEY: 'sk-live-abc', DB_PASSWORD: 'hunter2', PLAIN: 'visible' }),
    );
    expect(error.message).not.toContain('sk-live-abc');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('USERS_API_KEY: too short: [redacted]');
    expect(error.message).toContain('PLAIN: bad visible');
  });

  it('treats names passed as secrets like secrets', () => {
    const s = z.object({ SIGNING: z.string().regex(/^x/, { error: (i) => `got ${String(i.input)}` }) });
    const error = problemsOf(() => loadConfig(s, { SIGNING: 'abc' }, { secrets: ['SIGNING'] }));
    expect(error.message).not.toContain('abc');
  });

  it('rejects a URL that is not http(s)', () => {
    const error = problemsOf(() => loadConfig(schema, { USERS_API_URL: 'ftp://x' }));
    expect(error.problems).toEqual([
      { variable: 'USERS_API_URL', expected: 'expected an absolute http:// or https:// URL' },
    ]);
  });

  it('reads process.env by default', () => {
    process.env.MCP_STACK_TEST_FLAG = 'on';
    try {
      expect(loadConfig(z.object({ MCP_STACK_TEST_FLAG: envBoolean() }))).toEqual({
        MCP_STACK_TEST_FLAG: true,
      });
    } finally {
      delete process.env.MCP_STACK_TEST_FLAG;
    }
  });
});
