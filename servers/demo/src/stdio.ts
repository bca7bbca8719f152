// Entry: the demo server over stdio, whatever MCP_TRANSPORT says.
import { startCli } from '@mcp-stack/core';
import { demoCli } from './cli.ts';

startCli(demoCli, {
  argv: process.argv.slice(2).filter((arg) => arg !== '--http'),
  env: { ...process.env, MCP_TRANSPORT: 'stdio' },
});
