import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningUsersApi, startUsersApi } from '@mcp-stack/users-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaffold } from './scaffold.ts';
import { lockNewImporters } from './test-support/lock-importers.ts';
import { STACK_MARKER } from './workspace.ts';

// Minutes, not seconds: a full workspace copy, an offline install, builds and three test runs. The
// install links from the store only (no registry: tests reach no outside host), so the new packages'
// lockfile entries are written from what the lockfile already resolves (see lock-importers.ts).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIOME = join(ROOT, 'node_modules/.bin/biome');
const FIXTURE = fileURLToPath(new URL('./test-fixtures/petstore-3.0.yaml', import.meta.url));
const FIXTURE_31 = fileURLToPath(new URL('./test-fixtures/catalog-3.1.json', import.meta.url));
/** What each test scaffolds: by hand, both fixtures, and every operation of users-api's document. */
const NAMES = ['billing', 'petstore', 'users-gen', 'catalog'];

function run(root: string, command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: '' } });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${output.slice(-4000)}`);
  return output;
}

// about 40-60 s: it runs in the regular suite, as the proof that a scaffolded server works as is
describe('scaffolded servers in a temp copy of the workspace', () => {
  let root: string;
  let api: RunningUsersApi;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'create-server-full-'));
    cpSync(ROOT, root, {
      recursive: true,
      filter: (src) =>
        !/(^|\/)(node_modules|dist|\.turbo|\.git|data|\.toolchain)(\/|$)/.test(src.slice(ROOT.length)),
    });
    const stack = readFileSync(join(root, 'scripts/stack.ts'), 'utf8');
    if (!stack.includes(STACK_MARKER)) {
      writeFileSync(
        join(root, 'scripts/stack.ts'),
        stack.replace(/(\n {2}mcpServer\('demo'[^\n]*\n)/, `$1  ${STACK_MARKER}\n`),
      );
    }
    api = await startUsersApi({ dbPath: ':memory:', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('scaffolds by hand and from OpenAPI, then installs, builds, type-checks, lints and tests them', async () => {
    const say = () => {};
    const billing = await scaffold({ name: 'billing', root, biome: BIOME, say });
    const petstore = await scaffold({ name: 'petstore', root, fromOpenApi: FIXTURE, biome: BIOME, say });
    // every operation, none excluded: the generated code compiles with no unused import
    const users = await scaffold({
      name: 'users-gen',
      root,
      fromOpenApi: `${api.url}/openapi.json`,
      biome: BIOME,
      say,
    });
    const catalog = await scaffold({ name: 'catalog', root, fromOpenApi: FIXTURE_31, biome: BIOME, say });
    expect([billing.port, petstore.port, users.port, catalog.port]).toEqual([3004, 3005, 3006, 3007]);
    expect([billing, petstore, users, catalog].flatMap((r) => r.byHand)).toEqual([]);

    lockNewImporters(
      root,
      NAMES.map((n) => `servers/${n}`),
    );
    run(root, 'pnpm', ['install', '--offline', '--frozen-lockfile']);
    const filters = NAMES.flatMap((n) => ['--filter', `@mcp-stack/server-${n}...`]);
    run(root, 'pnpm', [...filters, 'run', 'build']);
    const own = NAMES.flatMap((n) => ['--filter', `@mcp-stack/server-${n}`]);
    run(root, 'pnpm', [...own, 'run', 'typecheck']);
    // the new files pass the workspace's lint and format check (scaffold formatted them with biome)
    run(root, join(root, 'node_modules/.bin/biome'), [
      'check',
      '--error-on-warnings',
      ...NAMES.map((n) => `servers/${n}`),
    ]);
    // each one's own tests: the agent contract check, a success, a 404 and a refused argument
    const tests = run(root, 'pnpm', [...own, 'run', 'test']);
    expect(tests).not.toContain('failed');
    for (const name of NAMES) {
      const help = run(root, process.execPath, [`servers/${name}/dist/bin.js`, '--help']);
      expect(help).toContain(`mcp-server-${name}`);
    }
  }, 600_000);
});
