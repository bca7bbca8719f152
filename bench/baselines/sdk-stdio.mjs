// SDK stdio baseline: McpServer with one tool (two numbers in, their sum out) on
// StdioServerTransport, run with node as it is (no bundling).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'sdk-stdio-baseline', version: '1.0.0' });
server.registerTool(
  'add',
  { description: 'a + b', inputSchema: { a: z.number(), b: z.number() }, outputSchema: { sum: z.number() } },
  async ({ a, b }) => ({
    content: [{ type: 'text', text: JSON.stringify({ sum: a + b }) }],
    structuredContent: { sum: a + b },
  }),
);
await server.connect(new StdioServerTransport());
