// SDK v2 HTTP baseline, as its documentation ("Serve over HTTP") shows it: createMcpHandler from
// @modelcontextprotocol/server with a factory building a new McpServer (one tool,
// generate_random_number) per request, mounted on node:http with toNodeHandler and the localhost
// Host/Origin guards from @modelcontextprotocol/node. Serves both eras; the bench calls it modern.
// Usage: node bench/baselines/sdk-v2-http.mjs <port>

import { randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import {
  localhostHostValidation,
  localhostOriginValidation,
  toNodeHandler,
} from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

const port = Number(process.argv[2] ?? 3101);

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'sdk-v2-baseline', version: '1.0.0' });
  server.registerTool(
    'generate_random_number',
    {
      description: 'A random integer in [min_value, max_value].',
      inputSchema: z.object({ min_value: z.number().int(), max_value: z.number().int() }),
      outputSchema: z.object({ value: z.number().int() }),
    },
    async ({ min_value, max_value }) => {
      const value = randomInt(min_value, max_value + 1);
      return { content: [{ type: 'text', text: JSON.stringify({ value }) }], structuredContent: { value } };
    },
  );
  return server;
});

const nodeHandler = toNodeHandler(handler);
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
createServer((req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  void nodeHandler(req, res);
}).listen(port, '127.0.0.1', () => process.stderr.write(`sdk v2 baseline listening on ${port}\n`));
