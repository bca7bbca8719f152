import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureServer } from './test-fixtures/fixture-server.ts';
import { GENERAL_CONFORMANCE_SCENARIOS, runConformance, serveForTest } from './testing.ts';

describe('official MCP conformance suite, against the fixture over HTTP', () => {
  let served: Awaited<ReturnType<typeof serveForTest>>;
  beforeAll(async () => {
    served = await serveForTest(createFixtureServer());
  });
  afterAll(async () => {
    await served.close();
  });

  it.each(GENERAL_CONFORMANCE_SCENARIOS)(
    '%s passes',
    async (scenario) => {
      await expect(runConformance(served.url, scenario)).resolves.toMatch(/Passed: (\d+)\/\1, 0 failed/);
    },
    60_000,
  );
});
