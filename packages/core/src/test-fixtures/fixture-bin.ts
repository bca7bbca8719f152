// The fixture as a server bin, for spawned-process tests (stdio and --http).
import { startCli } from '../cli.ts';
import { createFixtureServer } from './fixture-server.ts';

startCli({
  bin: 'fixture-server',
  version: '1.2.3',
  description: 'a fixture for core tests',
  port: 3999,
  options: {},
  create: () => createFixtureServer(),
});
