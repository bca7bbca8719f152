import { createRequire } from 'node:module';

/** The package's version, from its package.json (one source of truth). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
