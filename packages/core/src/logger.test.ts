import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, redactString, withRequestId } from './logger.ts';

const SECRETS = [
  'hunter2-password',
  'tok-abcdef123456',
  'cookie-secret',
  'key-123456',
  'pa55word',
  'query-secret',
  'query-token',
  'err-secret',
  'child-binding-secret',
];

function capture(level: 'trace' | 'info' = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level, name: 'test', destination }), lines };
}

describe('logger', () => {
  it('writes nothing to stdout at LOG_LEVEL=trace, even when logging everything', () => {
    const fixture = fileURLToPath(new URL('./test-fixtures/log-everything.ts', import.meta.url));
    const child = spawnSync(process.execPath, [fixture], {
      env: { ...process.env, LOG_LEVEL: 'trace' },
      encoding: 'utf8',
    });
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('');
    const lines = child.stderr.split('\n').filter(Boolean);
    // six levels, the error and the child: all at trace
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    for (const secret of SECRETS) expect(child.stderr).not.toContain(secret);
    expect(child.stderr).toContain('"requestId":"req-1"');
  });

  it('redacts secret fields at any depth and keeps the rest', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        args: { username: 'alice', password: 'p1' },
        request: { headers: { Authorization: 'Bearer abc', accept: 'json', Cookie: 'c' } },
        config: { apiKey: 'k', api_key: 'k2', nested: [{ token: 't', client_secret: 's' }] },
      },
      'hello',
    );
    const line = lines[0] as Record<string, any>;
    expect(line.args).toEqual({ username: 'alice', password: '[redacted]' });
    expect(line.request.headers).toEqual({
      Authorization: '[redacted]',
      accept: 'json',
      Cookie: '[redacted]',
    });
    expect(line.config.apiKey).toBe('[redacted]');
    expect(line.config.api_key).toBe('[redacted]');
    expect(line.config.nested[0]).toEqual({ token: '[redacted]', client_secret: '[redacted]' });
    expect(line.msg).toBe('hello');
    expect(line.level).toBe('info');
  });

  it('logs Headers and Map objects as plain fields, secrets redacted', () => {
    const { logger, lines } = capture();
    const headers = new Headers({ authorization: 'Bearer abc', accept: 'application/json' });
    logger.info(
      {
        headers,
        extra: new Map([
          ['api_key', 'k'],
          ['region', 'eu'],
        ]),
      },
      'request',
    );
    const line = lines[0] as Record<string, any>;
    expect(line.headers).toEqual({ authorization: '[redacted]', accept: 'application/json' });
    expect(line.extra).toEqual({ api_key: '[redacted]', region: 'eu' });
  });

  it('redacts credentials inside URLs and messages', () => {
    expect(redactString('GET https://user:pw@host.test/a?api_key=s3cr3t&page=2')).toBe(
      'GET https://[redacted]@host.test/a?api_key=[redacted]&page=2',
    );
    expect(redactString('http://host.test/?access_token=abc&x=1')).toBe(
      'http://host.test/?access_token=[redacted]&x=1',
    );
    expect(redactString('sent Authorization: Bearer eyJhbGciOi.payload.sig')).toBe(
      'sent Authorization: Bearer [redacted]',
    );
    expect(redactString('plain text with no secrets')).toBe('plain text with no secrets');
    expect(redactSecrets({ url: new URL('https://a:b@h.test/?token=x') })).toEqual({
      url: 'https://[redacted]@h.test/?token=[redacted]',
    });
  });

  it('serializes errors with their stack, redacted, and survives cycles', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    logger.error({ err: new Error('connect to postgres://admin:dbpass@db/x failed'), cyclic }, 'boom');
    logger.error(new Error('lone error with https://u:lonepass@h.test'));
    const [first, second] = lines as Array<Record<string, any>>;
    expect(first?.err.message).toBe('connect to postgres://[redacted]@db/x failed');
    expect(first?.err.stack).toContain('logger.test.ts');
    expect(first?.err.stack).not.toContain('dbpass');
    expect(first?.cyclic).toEqual({ name: 'loop', self: '[circular]' });
    expect(second?.msg).toBe('lone error with https://[redacted]@h.test');
    expect(JSON.stringify(second)).not.toContain('lonepass');
  });

  it('carries the request id on child lines and respects the level', () => {
    const { logger, lines } = capture('info');
    withRequestId(logger, 'r-42').info('handled');
    logger.debug('hidden at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: 'r-42', msg: 'handled', name: 'test' });
  });
});
