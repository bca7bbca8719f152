import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@mcp-stack/source'] },
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
