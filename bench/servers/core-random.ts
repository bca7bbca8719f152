// core's stateless fast path serving one trivial tool, generate_random_number.
// Usage: node --conditions=@mcp-stack/source bench/servers/core-random.ts <port> [plain|secure]
//   plain:  no auth, rate limit off, no metrics, logs silent
//   secure: API-key auth, rate limit on (high enough never to refuse), /metrics, info logs
import { randomInt } from 'node:crypto';
import { apiKeyAuthenticator, createLogger, defineServer, defineTool, serveHttp } from '@mcp-stack/core';
import { z } from 'zod';

const BENCH_API_KEY = 'bench-secret-0123456789abcdef';

const port = Number(process.argv[2] ?? 3102);
const mode = process.argv[3] ?? 'plain';
const secure = mode === 'secure';
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
await serveHttp(definition, {
  logger: createLogger({ level: on('logs') ? 'info' : 'silent' }),
  host: '127.0.0.1',
  port,
  metrics: on('metrics'),
  rateLimit: on('limit') ? { rps: 1_000_000, burst: 1_000_000 } : { rps: 0 },
  ...(on('auth') && { auth: apiKeyAuthenticator([`bench:${BENCH_API_KEY}`]) }),
});
process.stderr.write('listening\n');
