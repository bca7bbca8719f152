import { defineConfig } from 'vitest/config';

/**
 * One package's test project. Workspace packages resolve to their sources through the
 * `@mcp-stack/source` export condition (see each package.json), so tests never run against a
 * stale `dist/`. Node tests resolve through Vite's server (ssr) settings, whose default
 * conditions are kept.
 */
export function packageTests(name: string, include = ['src/**/*.test.ts', 'test/**/*.test.ts']) {
  return defineConfig({
    ssr: {
      resolve: {
        conditions: ['@mcp-stack/source', 'module', 'node', 'development|production'],
        externalConditions: ['@mcp-stack/source'],
      },
    },
    test: {
      name,
      include,
    },
  });
}
