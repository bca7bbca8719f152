// Database spans from the spawned bin, on each backend, to a real OTLP/HTTP receiver: children of
// the tool call's span, named for the table and statement kind, never with a parameter's value.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postModern, type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from '@mcp-stack/core/testing/otlp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type BackendName, scratchSchema } from './test-fixtures/backends.ts';
import { CLEAN_ENV, tempDir } from './test-fixtures/temp-db.ts';

const NODE_ARGS = ['--conditions=@mcp-stack/source', fileURLToPath(new URL('./http.ts', import.meta.url))];

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Where the spawned server keeps its data on `backend`. */
async function storage(backend: BackendName): Promise<Record<string, string>> {
  if (backend === 'postgres') {
    const scratch = await scratchSchema();
    cleanups.push(() => scratch.drop());
    return { CUSTOMER_DB_URL: scratch.url };
  }
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return { CUSTOMER_DB_PATH: join(dir, 'traces.sqlite') };
}

const SYSTEM = { sqlite: 'sqlite', postgres: 'postgresql' } as const;

describe.each(BACKENDS)('customer-db database spans on %s', (backend) => {
  it('puts a span per repository call under the tool call span', { timeout: 60_000 }, async () => {
    const http: SpawnedHttp = await spawnHttp(process.execPath, [...NODE_ARGS, '--port', '0'], {
      env: {
        ...CLEAN_ENV,
        ...(await storage(backend)),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
    cleanups.push(() => http.stop());
    const trace =
      backend === 'sqlite' ? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' : 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      traceparent: `00-${trace}-cccccccccccccccc-01`,
    };
    const secretQuery = 'Bob-the-searched-name';
    const { json } = await postModern(
      http.url,
      'tools/call',
      { name: 'search_customers', arguments: { query: secretQuery } },
      { meta },
    );
    expect(json.result.isError).toBeFalsy();
    const spans = (
      await receiver.waitFor((all) => all.filter((s) => s.traceId === trace).length >= 2)
    ).filter((s) => s.traceId === trace);
    const server = spans.find((s) => s.kind === SPAN_KIND.server) as ReceivedSpan;
    expect(server).toMatchObject({ name: 'tools/call search_customers', parentSpanId: 'cccccccccccccccc' });
    const db = spans.find((s) => s.attributes['db.system.name']);
    expect(db).toMatchObject({
      name: 'SELECT customers',
      kind: SPAN_KIND.client,
      parentSpanId: server.spanId,
      attributes: {
        'db.system.name': SYSTEM[backend],
        'db.operation.name': 'SELECT',
        'db.collection.name': 'customers',
        'code.function.name': 'customers.search',
      },
    });
    expect(JSON.stringify(spans)).not.toContain(secretQuery);
  });
});
