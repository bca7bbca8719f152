#!/usr/bin/env node
// The users-api bin: parse flags and environment, serve until SIGTERM/SIGINT.
import { createLogger } from '@mcp-stack/core';
import { parseBinArgs } from './options.ts';
import { startUsersApi } from './serve.ts';
import { VERSION } from './version.ts';

const parsed = parseBinArgs(process.argv.slice(2), process.env, VERSION);
if (parsed.kind === 'exit') {
  (parsed.code === 0 ? process.stdout : process.stderr).write(`${parsed.text}\n`);
  process.exit(parsed.code);
}
const { config } = parsed;
const logger = createLogger({ level: config.logLevel, name: 'users-api' });
try {
  const running = await startUsersApi({ ...config, logger, handleSignals: true });
  await running.closed;
  process.exit(0);
} catch (error) {
  logger.fatal({ err: error }, 'could not start');
  process.stderr.write(`users-api: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
