import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerDefinition } from '@mcp-stack/core';
import { serverNames } from '../names.ts';
import type { Mapping } from '../openapi/map.ts';
import { openApiFiles } from '../openapi/render.ts';
import { sampleCall } from '../openapi/sample.ts';
import { writeFiles } from '../write.ts';

const PACKAGE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/**
 * Writes a generated server into a temp folder whose node_modules is this package's (core and zod
 * resolve), then imports its own server.ts and api.ts: the generated source itself, not a copy of
 * the mapping, is what the tests drive.
 */
export async function importGenerated(name: string, mapping: Mapping) {
  const dir = mkdtempSync(join(tmpdir(), `create-server-${name}-`));
  const names = serverNames(name);
  const files = openApiFiles(
    { names, port: 3999, description: 'test', mapping, source: 'test' },
    sampleCall(mapping.tools),
  );
  // its tsconfig extends the workspace's, which is not above a temp folder: the transform needs none
  writeFiles(
    dir,
    files.filter((f) => !f.path.startsWith('tsconfig')),
  );
  symlinkSync(PACKAGE_MODULES, join(dir, 'node_modules'), 'dir');
  const server = (await import(join(dir, 'src', 'server.ts'))) as Record<string, unknown>;
  const api = (await import(join(dir, 'src', 'api.ts'))) as Record<string, unknown>;
  const create = server[`create${names.pascal}Server`] as (deps: unknown) => ServerDefinition;
  const createApi = api[`create${names.pascal}Api`] as (options: {
    baseUrl: string;
    apiKey?: string;
  }) => unknown;
  return {
    dir,
    files,
    definition: (baseUrl: string, apiKey?: string) =>
      create({ api: createApi({ baseUrl, ...(apiKey && { apiKey }) }), version: '0.0.0' }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
