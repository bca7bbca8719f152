// The official MCP conformance suite, every scenario of both protocol eras, against the
// conformance fixture bin (test-fixtures/conformance-server.ts) over HTTP. The rate limit is
// off (MCP_RATE_LIMIT_RPS=0): the suite sends a few hundred requests in about a second from one
// address, well past the default burst of 100, and a 429 would fail checks that test something else.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformanceSuite, type SpawnedHttp, spawnHttp } from './testing.ts';

const fixture = (file: string) => fileURLToPath(new URL(`./test-fixtures/${file}`, import.meta.url));
const NODE_ARGS = [
  '--conditions=@mcp-stack/source',
  fixture('conformance-server.ts'),
  '--http',
  '--port',
  '0',
];
const env = { MCP_RATE_LIMIT_RPS: '0' };

/** What the fixture fails, and why (core's README, "Protocol eras", lists the same). */
const EXPECTED_FAILURES: Record<string, ReadonlyArray<string>> = {
  '2026-07-28': [
    // multi round-trip requests (input_required results): the next issue
    'server-stateless:sep-2575-http-server-no-independent-requests-on-stream',
    'input-required-result-basic-elicitation',
    'input-required-result-basic-sampling',
    'input-required-result-basic-list-roots',
    'input-required-result-request-state',
    'input-required-result-multiple-input-requests',
    'input-required-result-multi-round',
    'input-required-result-non-tool-request',
    'input-required-result-result-type',
    'input-required-result-tampered-state',
    'input-required-result-capability-check',
    // these two pass but for a warning (a SHOULD about MRTR retries)
    'input-required-result-missing-input-response',
    'input-required-result-ignore-extra-params',
  ],
  '2025-11-25': [
    // requests from the server to the client: core has no handler API for them yet; the next
    // issue designs one for both eras (MRTR in 2026-07-28, these requests in 2025-11-25)
    'tools-call-sampling',
    'tools-call-elicitation',
    'elicitation-sep1034-defaults',
    'elicitation-sep1330-enums',
    // resumable SSE (event ids, priming event, retry; SEP-1699), SHOULD warnings only: no event
    // store here, and 2026-07-28 removed resumability altogether
    'server-sse-polling',
  ],
};

let stateless: SpawnedHttp;
let stateful: SpawnedHttp;
beforeAll(async () => {
  [stateless, stateful] = await Promise.all([
    spawnHttp(process.execPath, NODE_ARGS, { env }),
    spawnHttp(process.execPath, [...NODE_ARGS, '--stateful'], { env }),
  ]);
});
afterAll(async () => {
  await Promise.all([stateless?.stop(), stateful?.stop()]);
});

describe('the official conformance suite (--suite all) against the conformance fixture', () => {
  it.each([
    ['2026-07-28', 'stateless', () => stateless.url],
    ['2026-07-28', '--stateful', () => stateful.url],
    ['2025-11-25', '--stateful', () => stateful.url],
    ['2025-11-25', 'stateless', () => stateless.url],
  ])(
    'passes at %s over %s HTTP, but for the baselined failures',
    async (specVersion, mode, url) => {
      // what needs a session: stateless legacy HTTP rightly answers subscriptions -32601, and has no
      // session id for the legacy GET streams (a SHOULD warning)
      const sessionOnly = specVersion === '2025-11-25' && mode === 'stateless';
      const report = await runConformanceSuite(url(), {
        specVersion,
        expectedFailures: [
          ...(EXPECTED_FAILURES[specVersion] ?? []),
          ...(sessionOnly
            ? ['resources-subscribe', 'resources-unsubscribe', 'server-sse-multiple-streams']
            : []),
        ],
      });
      expect(report).toMatch(/Total: \d+ passed/);
    },
    240_000,
  );
});
