// core's stateless fast path serving one trivial tool, generate_random_number, logs off.
import { randomInt } from 'node:crypto';
import { defineServer, defineTool, serveHttp, silentLogger } from '@mcp-stack/core';
import { z } from 'zod';

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
  logger: silentLogger(),
  host: '127.0.0.1',
  port: Number(process.argv[2] ?? 3102),
});
process.stderr.write('listening\n');
