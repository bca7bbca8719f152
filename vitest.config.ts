import { defineConfig } from 'vitest/config';

// One run for every package: each package has its own vitest.config.ts (a "project").
export default defineConfig({
  test: {
    projects: ['packages/*', 'servers/*', 'services/*', 'tests/*', 'scripts'],
  },
});
