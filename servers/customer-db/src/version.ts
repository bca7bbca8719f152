import { createRequire } from 'node:module';

/** The package's version, from its package.json (one source of truth; `src/` and `dist/` sit beside it). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
