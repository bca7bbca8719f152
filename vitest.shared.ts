import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * One package's test project. Workspace packages resolve to their sources through the
 * `@mcp-stack/source` export condition (see each package.json), so tests never run against a
 * stale `dist/`. Node tests resolve through Vite's server (ssr) settings, whose default
 * conditions are kept.
 *
 * Timeouts are hang detectors, not speed checks: many tests spawn servers from source, which
 * takes seconds on a busy two-core machine, so the defaults are a minute, not vitest's 5 s. After
 * each file, `scripts/vitest/file-setup.ts` ends (and fails on) any process the file left running.
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
      testTimeout: 60_000,
      hookTimeout: 60_000,
      setupFiles: [fileURLToPath(new URL('./scripts/vitest/file-setup.ts', import.meta.url))],
    },
  });
}
