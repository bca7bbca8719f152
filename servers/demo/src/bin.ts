#!/usr/bin/env node
// mcp-server-demo: stdio by default, --http for Streamable HTTP (see --help).
import { startCli } from '@mcp-stack/core';
import { demoCli } from './cli.ts';

startCli(demoCli);
