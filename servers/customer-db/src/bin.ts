#!/usr/bin/env node
// mcp-server-customer-db: stdio by default, --http for Streamable HTTP, `seed` for test data.
import { runCli } from '@mcp-stack/core';
import { BIN, customerDbCli } from './cli.ts';
import { runSeedCommand } from './seed-command.ts';

const argv = process.argv.slice(2);
const print = (text: string) => process.stdout.write(`${text}\n`);
const printError = (text: string) => process.stderr.write(`${text}\n`);
// core's --help knows nothing of subcommands: name the seed command under it
const withSeed = (text: string) =>
  print(
    text.includes('Usage:')
      ? `${text}\n\nCommands:\n  ${BIN} seed --customers <n>   add synthetic data (${BIN} seed --help)`
      : text,
  );

const done =
  argv[0] === 'seed'
    ? runSeedCommand(argv.slice(1), { env: process.env, print, printError })
    : runCli(customerDbCli(process.env), { argv, env: process.env, print: withSeed, printError });
done.then(
  (code) => process.exit(code),
  (error: unknown) => {
    printError(`${BIN}: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
