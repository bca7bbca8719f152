// SDK HTTP baseline (the SDK's own stateless pattern): express from createMcpExpressApp(); per POST
// a new McpServer with one tool, generate_random_number, and a new
// StreamableHTTPServerTransport({ sessionIdGenerator: undefined }), closed when the response closes.
// Usage: node bench/baselines/sdk-http.mjs <port>

import { randomInt } from 'node:crypto';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const port = Number(process.argv[2] ?? 3100);
const app = createMcpExpressApp();

app.post('/mcp', async (req, res) => {
  const server = new McpServer({ name: 'sdk-baseline', version: '1.0.0' });
  server.registerTool(
    'generate_random_number',
    {
      description: 'A random integer in [min_value, max_value].',
      inputSchema: { min_value: z.number().int(), max_value: z.number().int() },
      outputSchema: { value: z.number().int() },
    },
    async ({ min_value, max_value }) => {
      const value = randomInt(min_value, max_value + 1);
      return { content: [{ type: 'text', text: JSON.stringify({ value }) }], structuredContent: { value } };
    },
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

app.listen(port, '127.0.0.1', () => process.stderr.write(`sdk baseline listening on ${port}\n`));
