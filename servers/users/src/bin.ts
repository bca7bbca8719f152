#!/usr/bin/env node
// The mcp-server-users bin: stdio by default, Streamable HTTP with --http (see --help).
import { startCli } from '@mcp-stack/core';
import { usersCli } from './cli.ts';

startCli(usersCli);
