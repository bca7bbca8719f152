import { defineConfig } from 'vitest/config';

// One run for every package: each package has its own vitest.config.ts (a "project"). The global
// setup marks every process the run starts and fails the run if one outlives the tests.
export default defineConfig({
  test: {
    projects: ['packages/*', 'servers/*', 'services/*', 'tests/*', 'scripts'],
    globalSetup: ['./scripts/vitest/global-setup.ts'],
  },
});
