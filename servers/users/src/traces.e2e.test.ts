// Traces from the spawned users bin to a real OTLP/HTTP receiver: the tool call's span continues
// the caller's trace, its call to a real users-api is a CLIENT span of the same trace, and the
// users-api receives that trace in `traceparent`, never a credential or a password in any span.
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { postModern, type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from '@mcp-stack/core/testing/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestUsersApi, type TestUsersApi } from './test-fixtures/users-api.ts';

const NODE_ARGS = ['--conditions=@mcp-stack/source', fileURLToPath(new URL('./bin.ts', import.meta.url))];
const PASSWORD = 'traces-secret-password';

let api: TestUsersApi;
let receiver: OtlpReceiver;
/** In front of the users-api: notes each request's headers, then passes it on. */
let proxy: Server;
const seen: IncomingHttpHeaders[] = [];
let http: SpawnedHttp | undefined;

beforeAll(async () => {
  api = await startTestUsersApi();
  receiver = await startOtlpReceiver();
  const target = new URL(api.url);
  proxy = createServer((req, res) => {
    seen.push(req.headers);
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await http?.stop();
  proxy?.closeAllConnections();
  proxy?.close();
  await receiver?.close();
  await api?.stop();
});

describe('mcp-server-users traces', () => {
  it('continues the caller trace into the users-api call and sends it there', {
    timeout: 60_000,
  }, async () => {
    http = await spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], {
      env: {
        USERS_API_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        USERS_API_KEY: API_KEY,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
    const trace = 'dddddddddddddddddddddddddddddddd';
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      traceparent: `00-${trace}-eeeeeeeeeeeeeeee-01`,
    };
    const args = { username: 'traced_user', email: 'traced@example.com', password: PASSWORD };
    const { json } = await postModern(
      http.url,
      'tools/call',
      { name: 'register_user', arguments: args },
      { meta },
    );
    expect(json.result.structuredContent).toMatchObject({ username: 'traced_user' });
    const spans = (
      await receiver.waitFor((all) => all.filter((s) => s.traceId === trace).length >= 2)
    ).filter((s) => s.traceId === trace);
    const server = spans.find((s) => s.kind === SPAN_KIND.server) as ReceivedSpan;
    expect(server).toMatchObject({
      name: 'tools/call register_user',
      parentSpanId: 'eeeeeeeeeeeeeeee',
      service: 'users',
      attributes: { 'gen_ai.tool.name': 'register_user' },
    });
    const client = spans.find((s) => s.kind === SPAN_KIND.client) as ReceivedSpan;
    expect(client).toMatchObject({
      name: 'POST',
      parentSpanId: server.spanId,
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': 201,
        'server.address': '127.0.0.1',
      },
    });
    expect(seen.at(-1)?.traceparent).toBe(`00-${trace}-${client.spanId}-01`);
    const exported = JSON.stringify(spans);
    expect(exported).not.toContain(PASSWORD);
    expect(exported).not.toContain(API_KEY);
  });
});
