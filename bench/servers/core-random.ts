// core's stateless fast path serving one trivial tool, generate_random_number.
// Usage: node --conditions=@mcp-stack/source bench/servers/core-random.ts <port> [plain|secure|...]
//   plain:  no auth, rate limit off, no metrics, logs silent
//   secure: API-key auth, rate limit on (high enough never to refuse), /metrics, info logs
//   jwt:    the same with JWT auth (RS256, a key made at start); prints `bench-token <jwt>` on stderr
//   limit:  only the rate limit on (memory buckets); redis-limit: only the rate limit, its buckets
//           in Redis (MCP_REDIS_URL, default redis://127.0.0.1:6379)
import { randomInt } from 'node:crypto';
import {
  apiKeyAuthenticator,
  connectRedis,
  createLogger,
  defineServer,
  defineTool,
  jwtAuthenticator,
  serveHttp,
} from '@mcp-stack/core';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { z } from 'zod';

const BENCH_API_KEY = 'bench-secret-0123456789abcdef';

const port = Number(process.argv[2] ?? 3102);
const mode = process.argv[3] ?? 'plain';
const secure = mode === 'secure' || mode === 'jwt';
const on = (part: string) => secure || mode.split(',').includes(part);
const definition = defineServer({
  name: 'core-random',
  version: '1.0.0',
  tools: [
    defineTool({
      name: 'generate_random_number',
      description: 'A random integer in [min_value, max_value].',
      input: { min_value: z.number().int(), max_value: z.number().int() },
      output: z.object({ value: z.number().int() }),
      handler: ({ min_value, max_value }) => ({ value: randomInt(min_value, max_value + 1) }),
    }),
  ],
});
async function jwtAuth() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256' };
  const audience = 'http://bench.test/mcp';
  const token = await new SignJWT({ scope: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setSubject('bench')
    .setAudience(audience)
    .setExpirationTime('1h')
    .sign(privateKey);
  process.stderr.write(`bench-token ${token}\n`);
  return jwtAuthenticator({
    jwksUrl: 'http://unused.test/jwks',
    audience,
    keySet: createLocalJWKSet({ keys: [jwk] }),
  });
}

const logger = createLogger({ level: on('logs') ? 'info' : 'silent' });
const redis =
  mode === 'redis-limit'
    ? await connectRedis(process.env.MCP_REDIS_URL || 'redis://127.0.0.1:6379', { logger })
    : undefined;
await serveHttp(definition, {
  logger,
  // behind a balancer (bench scale), clients send the balancer's Host
  ...(process.env.MCP_ALLOWED_HOSTS && { allowedHosts: process.env.MCP_ALLOWED_HOSTS.split(',') }),
  ...(redis && { redis, redisPrefix: `bench-${process.pid}:` }),
  host: '127.0.0.1',
  port,
  metrics: on('metrics'),
  rateLimit: on('limit') || redis ? { rps: 1_000_000, burst: 1_000_000 } : { rps: 0 },
  ...(on('auth') && {
    auth: mode === 'jwt' ? await jwtAuth() : apiKeyAuthenticator([`bench:${BENCH_API_KEY}`]),
  }),
});
process.stderr.write('listening\n');
