// Entry: customer-db over Streamable HTTP (`node dist/http.js [--port 3002] [--db path]`).
import { startCli } from '@mcp-stack/core';
import { customerDbCli } from './cli.ts';

startCli(customerDbCli(process.env), { argv: ['--http', ...process.argv.slice(2)] });
