import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureServer } from './test-fixtures/fixture-server.ts';
import { serveForTest } from './testing.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const CONFORMANCE_BIN = join(
  dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
);

/** The official suite's scenarios that apply to any server, over stateless HTTP. */
const GENERAL_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'logging-set-level',
  'dns-rebinding-protection',
];

/** Runs one conformance scenario against `url`; resolves with its output, rejects on failure. */
async function runConformance(url: string, scenario: string, cwd: string): Promise<string> {
  const { stdout, stderr } = await run(
    process.execPath,
    [CONFORMANCE_BIN, 'server', '--url', url, '--scenario', scenario],
    {
      cwd,
      timeout: 60_000,
    },
  );
  return `${stdout}${stderr}`;
}

describe('official MCP conformance suite, against the fixture over HTTP', () => {
  let served: Awaited<ReturnType<typeof serveForTest>>;
  let workDir: string;
  beforeAll(async () => {
    served = await serveForTest(createFixtureServer());
    // the suite writes its results under ./results: keep them out of the repository
    workDir = await mkdtemp(join(tmpdir(), 'mcp-conformance-'));
  });
  afterAll(async () => {
    await served.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it.each(GENERAL_SCENARIOS)(
    '%s passes',
    async (scenario) => {
      const output = await runConformance(served.url, scenario, workDir);
      expect(output).toMatch(/Passed: (\d+)\/\1, 0 failed/);
    },
    60_000,
  );
});
