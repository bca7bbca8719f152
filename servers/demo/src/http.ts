// Entry: the demo server over Streamable HTTP (port 3003 unless --port or MCP_PORT says otherwise).
import { startCli } from '@mcp-stack/core';
import { demoCli } from './cli.ts';

startCli(demoCli, { argv: ['--http', ...process.argv.slice(2)] });
