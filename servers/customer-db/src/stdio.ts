// Entry: customer-db over stdio, whatever MCP_TRANSPORT says (`node dist/stdio.js [--db path]`).
import { startCli } from '@mcp-stack/core';
import { customerDbCli } from './cli.ts';

startCli(customerDbCli(process.env), {
  argv: process.argv.slice(2).filter((arg) => arg !== '--http'),
  env: { ...process.env, MCP_TRANSPORT: 'stdio' },
});
