import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GeneratedFile } from './templates.ts';

/** Writes files under `dir`; a file already there is an error (`wx`): nothing is overwritten. */
export function writeFiles(dir: string, files: ReadonlyArray<GeneratedFile>): void {
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text, { flag: 'wx' });
  }
}
