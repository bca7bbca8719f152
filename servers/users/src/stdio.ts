// Entry: the users server over stdio, whatever MCP_TRANSPORT says (flags and env as for the bin).
import { runCli } from '@mcp-stack/core';
import { usersCli } from './cli.ts';

runCli(usersCli, { env: { ...process.env, MCP_TRANSPORT: 'stdio' } }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mcp-server-users: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
