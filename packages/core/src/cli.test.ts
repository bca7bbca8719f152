import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { helpText, parseCli, type ServerCli } from './cli.ts';
import { envBoolean, envUrl } from './config.ts';
import { defineServer } from './server.ts';
import { spawnHttp } from './testing.ts';

const FIXTURE_BIN = fileURLToPath(new URL('./test-fixtures/fixture-bin.ts', import.meta.url));

const cli: ServerCli<{
  apiUrl: { env: string; flag: string; description: string; schema: z.ZodType<string>; placeholder: string };
  readOnly: { env: string; flag: string; boolean: true; description: string; schema: z.ZodType<boolean> };
  apiKey: { env: string; description: string; schema: z.ZodType<string | undefined>; secret: true };
}> = {
  bin: 'mcp-server-things',
  version: '2.0.0',
  description: 'things as MCP tools',
  port: 3005,
  options: {
    apiUrl: {
      env: 'THINGS_API_URL',
      flag: '--api-url',
      placeholder: 'url',
      description: 'the things API',
      schema: envUrl().default('http://localhost:9000'),
    },
    readOnly: {
      env: 'THINGS_READ_ONLY',
      flag: '--read-only',
      boolean: true,
      description: 'no writes',
      schema: envBoolean().default(false),
    },
    apiKey: {
      env: 'THINGS_API_KEY',
      description: 'key for the API',
      secret: true,
      schema: z.string().min(10).optional(),
    },
  },
  create: () => defineServer({ name: 'things', version: '2.0.0' }),
};

describe('parseCli', () => {
  it('refuses an OTLP endpoint that is not a URL, naming the variable', () => {
    const parsed = parseCli(cli, [], { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
    expect((parsed as { text: string }).text).toContain(
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected an absolute http',
    );
    expect(helpText(cli)).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('refuses OTLP over grpc (the exporter speaks OTLP/HTTP) and an unknown protocol, naming what to set', () => {
    for (const [name, value, says] of [
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', 'OTLP/HTTP port (4318)'],
      ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'grpc', 'OTLP/HTTP port (4318)'],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/xml', 'expected http/json or http/protobuf'],
    ] as const) {
      const parsed = parseCli(cli, [], {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
        [name]: value,
      });
      expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
      expect((parsed as { text: string }).text).toContain(`${name}: `);
      expect((parsed as { text: string }).text).toContain(says);
    }
    for (const value of ['http/json', 'http/protobuf', ' http/json '])
      expect(parseCli(cli, [], { OTEL_EXPORTER_OTLP_PROTOCOL: value })).toMatchObject({ kind: 'run' });
    expect(helpText(cli)).toContain('OTEL_EXPORTER_OTLP_PROTOCOL');
  });

  it('defaults to stdio on 127.0.0.1 and the server port, with the server defaults', () => {
    const parsed = parseCli(cli, [], {});
    expect(parsed).toMatchObject({
      kind: 'run',
      config: {
        MCP_TRANSPORT: 'stdio',
        MCP_HOST: '127.0.0.1',
        MCP_PORT: 3005,
        MCP_STATEFUL: false,
        LOG_LEVEL: 'info',
        MCP_RATE_LIMIT_RPS: 50,
        MCP_MAX_BODY_BYTES: 4194304,
      },
      options: { apiUrl: 'http://localhost:9000', readOnly: false },
    });
  });

  it('reads env vars, and lets flags win over them', () => {
    const env = {
      MCP_TRANSPORT: 'http',
      MCP_PORT: '4000',
      THINGS_API_URL: 'http://env.test',
      THINGS_READ_ONLY: 'yes',
    };
    const parsed = parseCli(
      cli,
      ['--port', '0', '--host=0.0.0.0', '--api-url', 'http://flag.test', '--stateful'],
      env,
    );
    expect(parsed).toMatchObject({
      kind: 'run',
      config: { MCP_TRANSPORT: 'http', MCP_PORT: 0, MCP_HOST: '0.0.0.0', MCP_STATEFUL: true },
      options: { apiUrl: 'http://flag.test', readOnly: true },
    });
    expect(parseCli(cli, ['--http'], {})).toMatchObject({ config: { MCP_TRANSPORT: 'http' } });
  });

  it('prints help naming every flag and variable, and the version', () => {
    const help = parseCli(cli, ['--help'], { MCP_PORT: 'not even checked' });
    expect(help).toMatchObject({ kind: 'exit', code: 0 });
    const text = (help as { text: string }).text;
    for (const name of [
      '--http',
      '--host <host>',
      '--port <port>',
      '--stateful',
      '--insecure-no-auth',
      'MCP_API_KEYS',
      'MCP_ALLOWED_ORIGINS',
      'LOG_LEVEL',
      '--api-url <url>',
      'THINGS_API_URL',
      '--read-only',
      'THINGS_API_KEY',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('default 3005');
    expect(parseCli(cli, ['--version'], {})).toEqual({ kind: 'exit', code: 0, text: '2.0.0' });
    expect(helpText(cli).split('\n')[0]).toBe('mcp-server-things 2.0.0: things as MCP tools');
  });

  it('refuses unknown options and missing values with exit code 2', () => {
    expect(parseCli(cli, ['--prot', '1'], {})).toMatchObject({
      kind: 'exit',
      code: 2,
      text: expect.stringContaining('unknown option --prot'),
    });
    expect(parseCli(cli, ['stray'], {})).toMatchObject({
      code: 2,
      text: expect.stringContaining('unknown argument stray'),
    });
    expect(parseCli(cli, ['--port'], {})).toMatchObject({
      code: 2,
      text: expect.stringContaining('--port needs a value'),
    });
  });

  it('names every bad flag or variable in one message, without echoing secrets', () => {
    const parsed = parseCli(cli, ['--port', '99999'], {
      LOG_LEVEL: 'chatty',
      THINGS_API_KEY: 'short',
      THINGS_API_URL: 'nope',
      MCP_API_KEYS: '',
    });
    expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
    const text = (parsed as { text: string }).text;
    expect(text).toContain('--port / MCP_PORT: expected an integer from 0 to 65535');
    expect(text).toContain('LOG_LEVEL: expected one of');
    expect(text).toContain('--api-url / THINGS_API_URL: expected an absolute http:// or https:// URL');
    expect(text).toContain('THINGS_API_KEY:');
    expect(text).not.toContain('short');
  });
});

describe('a server bin over HTTP', () => {
  it('logs one "listening" line with its URL, serves, and exits 0 on SIGTERM', async () => {
    const server = await spawnHttp(process.execPath, [FIXTURE_BIN, '--http', '--port', '0']);
    let stdout = '';
    server.child.stdout.on('data', (chunk) => (stdout += chunk));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const health = await fetch(new URL('/healthz', server.url));
      expect(health.status).toBe(200);
      expect(await server.stop()).toBe(0);
      expect(stdout).toBe('');
      expect(server.stderr()).toContain('"msg":"stopped"');
    } finally {
      await server.stop();
    }
  });

  it('fails to start with a clear message when the port is taken', async () => {
    const first = await spawnHttp(process.execPath, [FIXTURE_BIN, '--http', '--port', '0']);
    const second = spawn(process.execPath, [FIXTURE_BIN, '--http', '--port', new URL(first.url).port]);
    try {
      let err = '';
      second.stderr.on('data', (chunk) => (err += chunk));
      const [code] = await once(second, 'exit');
      expect(code).toBe(1);
      expect(err).toContain(`fixture-server: port ${new URL(first.url).port} on 127.0.0.1 is already in use`);
    } finally {
      if (second.exitCode === null && second.signalCode === null) second.kill('SIGKILL');
      await first.stop();
    }
  });
});
