import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { createHttpClient } from '../http-client.ts';
import { defineServer, defineTool, type ServerDefinition } from '../server.ts';
import { captureLogs, connectHttp, postModern, serveForTest } from '../testing.ts';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from '../testing-otlp.ts';
import { traceDbCall } from './db-span.ts';
import { traceMcpRequest } from './mcp-span.ts';
import { samplerFrom } from './sdk.ts';
import { loadSdk, startTracing, type Tracing, tracingConfigured } from './setup.ts';
import { tracingActive } from './spans.ts';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const UPSTREAM_KEY = 'upstream-key-must-not-be-traced';

describe('tracing off (no OTLP endpoint)', () => {
  it('loads no SDK and traces nothing', async () => {
    const load = vi.fn(loadSdk);
    const { logger } = captureLogs();
    expect(await startTracing({ serviceName: 's', env: {}, logger, load })).toBeUndefined();
    // OTEL_SDK_DISABLED wins over an endpoint, as the specification says
    const disabled = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' };
    expect(await startTracing({ serviceName: 's', env: disabled, logger, load })).toBeUndefined();
    expect(load).not.toHaveBeenCalled();
    expect(tracingActive()).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    // the database wrapper only calls through
    expect(await traceDbCall({ system: 'sqlite', operation: 'SELECT' }, async () => 42)).toBe(42);
  });

  it('takes the sampler the environment names', () => {
    expect(samplerFrom({}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    expect(
      samplerFrom({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString(),
    ).toBe('TraceIdRatioBased{0.25}');
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'always_off' }).toString()).toBe('AlwaysOffSampler');
  });
});

describe('tracing on: spans exported to a real OTLP/HTTP receiver', () => {
  let receiver: OtlpReceiver;
  let upstream: Server;
  const upstreamHeaders: IncomingHttpHeaders[] = [];
  let tracing: Tracing | undefined;
  let url: string;
  let close: () => Promise<boolean>;
  let definition: ServerDefinition;
  const load = vi.fn(loadSdk);

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    let calls = 0;
    upstream = createServer((req, res) => {
      upstreamHeaders.push(req.headers);
      // the first request of /flaky fails, so a retry shows as a second span
      const status = req.url?.startsWith('/flaky') && calls++ === 0 ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: status === 200 }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const api = createHttpClient({
      baseUrl: base,
      auth: { type: 'bearer', token: UPSTREAM_KEY },
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    const { logger } = captureLogs();
    tracing = await startTracing({
      serviceName: 'traced',
      serviceVersion: '9.9.9',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '20' },
      logger,
      load,
    });
    definition = defineServer({
      name: 'traced',
      version: '9.9.9',
      tools: [
        defineTool({
          name: 'fetch_thing',
          description: 'Fetches from the upstream (twice when flaky), then queries a database.',
          input: { password: z.string(), flaky: z.boolean().default(false) },
          handler: async ({ flaky }) => {
            await api.get(flaky ? '/flaky?token=abc' : '/thing?token=abc');
            await traceDbCall({ system: 'sqlite', operation: 'SELECT', collection: 'things' }, async () => 1);
            return { content: [{ type: 'text', text: 'done' }] };
          },
        }),
        defineTool({
          name: 'find_nothing',
          description: 'Always fails with NOT_FOUND.',
          input: {},
          handler: () => {
            throw new AppError('NOT_FOUND', 'no such thing');
          },
        }),
      ],
    });
    ({ url, close } = await serveForTest(definition));
  });
  afterAll(async () => {
    await close?.();
    await tracing?.shutdown();
    await receiver?.close();
    upstream?.close();
  });

  const serverSpan = (spans: ReceivedSpan[], traceId: string) =>
    spans.find((s) => s.kind === SPAN_KIND.server && s.traceId === traceId);

  it('continues the caller trace from _meta.traceparent, through outbound HTTP and the database', async () => {
    expect(load).toHaveBeenCalledTimes(1);
    expect(tracingActive()).toBe(true);
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      traceparent: TRACEPARENT,
      tracestate: 'vendor=value',
    };
    const args = { password: 'hunter2-secret', flaky: true };
    const { json } = await postModern(url, 'tools/call', { name: 'fetch_thing', arguments: args }, { meta });
    expect(json.result.isError).toBeFalsy();
    const spans = await receiver.waitFor((all) => all.filter((s) => s.traceId === CALLER_TRACE).length >= 4);
    const mine = spans.filter((s) => s.traceId === CALLER_TRACE);
    const server = serverSpan(spans, CALLER_TRACE) as ReceivedSpan;
    expect(server).toMatchObject({
      name: 'tools/call fetch_thing',
      parentSpanId: CALLER_SPAN,
      service: 'traced',
      statusCode: 0,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'fetch_thing',
        'gen_ai.operation.name': 'execute_tool',
        'jsonrpc.request.id': '1',
        'mcp.protocol.version': '2026-07-28',
        'network.transport': 'tcp',
      },
    });
    // two attempts (503, then 200), both children of the request, the retry counted
    const http = mine.filter((s) => s.kind === SPAN_KIND.client && s.attributes['http.request.method']);
    expect(http.map((s) => s.attributes['http.response.status_code'])).toEqual([503, 200]);
    expect(http.every((s) => s.parentSpanId === server.spanId)).toBe(true);
    expect(http[0]).toMatchObject({ name: 'GET', statusCode: 2, attributes: { 'error.type': '503' } });
    expect(http[1]?.attributes).toMatchObject({
      'server.address': '127.0.0.1',
      'url.full': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/flaky$/),
      'http.request.resend_count': 1,
    });
    // the upstream got the trace: each attempt's own span as parent
    const sent = upstreamHeaders.slice(-2).map((h) => h.traceparent);
    expect(sent).toEqual(http.map((s) => `00-${CALLER_TRACE}-${s.spanId}-01`));
    expect(upstreamHeaders.at(-1)?.tracestate).toBe('vendor=value');
    const db = mine.find((s) => s.attributes['db.system.name']);
    expect(db).toMatchObject({
      name: 'SELECT things',
      kind: SPAN_KIND.client,
      parentSpanId: server.spanId,
      attributes: { 'db.operation.name': 'SELECT', 'db.collection.name': 'things' },
    });
    // no argument value, credential or query string in any span
    const exported = JSON.stringify(spans);
    for (const secret of ['hunter2-secret', UPSTREAM_KEY, 'token=abc'])
      expect(exported).not.toContain(secret);
  });

  it('takes the parent from the HTTP traceparent header when _meta has none (legacy era)', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        traceparent: `00-${trace}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(response.status).toBe(200);
    const spans = await receiver.waitFor((all) => serverSpan(all, trace) !== undefined);
    expect(serverSpan(spans, trace)).toMatchObject({
      name: 'tools/list',
      parentSpanId: '00f067aa0ba902b7',
      attributes: {
        'mcp.method.name': 'tools/list',
        'jsonrpc.request.id': '7',
        'mcp.protocol.version': '2025-11-25',
      },
    });
  });

  it('traces a stateless initialize, answered outside the tables, with the HTTP header as parent', async () => {
    const trace = '6bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        traceparent: `00-${trace}-20f067aa0ba902b7-01`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(response.status).toBe(200);
    const spans = await receiver.waitFor((all) => serverSpan(all, trace) !== undefined);
    expect(serverSpan(spans, trace)).toMatchObject({
      name: 'initialize',
      parentSpanId: '20f067aa0ba902b7',
      attributes: { 'mcp.method.name': 'initialize', 'jsonrpc.request.id': '3', 'network.transport': 'tcp' },
    });
  });

  it('traces a stateful session (the SDK transport) with its session id and the HTTP header', async () => {
    const stateful = await serveForTest(definition, { stateful: {} });
    const trace = '5bf92f3577b34da6a3ce929d0e0e4736';
    const { client, close: disconnect } = await connectHttp(stateful.url, {
      headers: { traceparent: `00-${trace}-10f067aa0ba902b7-01` },
    });
    try {
      const result = await client.callTool({ name: 'find_nothing', arguments: {} });
      expect(result.isError).toBe(true);
    } finally {
      await disconnect();
      await stateful.close();
    }
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.traceId === trace && s.name === 'tools/call find_nothing'),
    );
    // the session's initialize, answered by the SDK's handler, has its span too
    expect(spans.find((s) => s.traceId === trace && s.name === 'initialize')).toMatchObject({
      parentSpanId: '10f067aa0ba902b7',
      attributes: { 'mcp.method.name': 'initialize', 'network.transport': 'tcp' },
    });
    expect(spans.find((s) => s.traceId === trace && s.name === 'tools/call find_nothing')).toMatchObject({
      parentSpanId: '10f067aa0ba902b7',
      attributes: {
        'mcp.session.id': expect.stringMatching(/.+/),
        'mcp.protocol.version': expect.any(String),
        'network.transport': 'tcp',
        'error.type': 'tool_error',
      },
    });
  });

  it.each([
    ['malformed', 'not-a-traceparent'],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`],
    ['too long', `${TRACEPARENT}${'-x'.repeat(200)}`],
  ])('starts a new trace for a %s traceparent, and answers as usual', async (_case, traceparent) => {
    const before = receiver.spans().length;
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      traceparent,
    };
    const { json } = await postModern(url, 'tools/list', {}, { meta });
    expect(json.result.tools).toHaveLength(2);
    const spans = await receiver.waitFor((all) =>
      all.slice(before).some((s) => s.kind === SPAN_KIND.server && s.name === 'tools/list'),
    );
    const span = spans.slice(before).find((s) => s.name === 'tools/list') as ReceivedSpan;
    expect(span.parentSpanId).toBeUndefined();
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.traceId).not.toBe(CALLER_TRACE);
    expect(span.traceId).not.toBe('0'.repeat(32));
  });

  it('marks a tool error result and a JSON-RPC error as errors, with error.type', async () => {
    const before = receiver.spans().length;
    const failed = await postModern(url, 'tools/call', { name: 'find_nothing', arguments: {} });
    expect(failed.json.result.isError).toBe(true);
    const unknown = await postModern(url, 'prompts/get', { name: 'none' }, { id: 2 });
    expect(unknown.json.error.code).toBe(-32601);
    const spans = await receiver.waitFor(
      (all) => all.slice(before).filter((s) => s.kind === SPAN_KIND.server).length >= 2,
    );
    const fresh = spans.slice(before);
    expect(fresh.find((s) => s.name === 'tools/call find_nothing')).toMatchObject({
      statusCode: 2,
      attributes: { 'error.type': 'tool_error', 'mcp_stack.error.code': 'NOT_FOUND' },
    });
    expect(fresh.find((s) => s.name === 'prompts/get none')).toMatchObject({
      statusCode: 2,
      attributes: { 'error.type': '-32601', 'rpc.response.status_code': '-32601' },
    });
  });
});

describe('the OTLP protocol asked for', () => {
  it('sends protobuf bodies for http/protobuf and JSON ones otherwise, to /v1/traces', async () => {
    const received: Array<{ path: string | undefined; type: string | undefined; body: Buffer }> = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
        res.end(req.headers['content-type']?.includes('json') ? '{}' : '');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      for (const [env, type] of [
        [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'application/x-protobuf'],
        [
          { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
          'application/x-protobuf',
        ],
        [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'application/json'],
        [{}, 'application/json'],
      ] as const) {
        received.length = 0;
        const { logger, lines } = captureLogs();
        const tracing = await startTracing({
          serviceName: 'protocol-probe',
          env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...env },
          logger,
        });
        await traceMcpRequest('tools/list', undefined, { requestId: 1 }, async () => ({ tools: [] }));
        await tracing?.shutdown(); // flushes the batch
        const what = JSON.stringify(env);
        expect(received, what).toHaveLength(1);
        expect(received[0]?.path, what).toBe('/v1/traces');
        expect(received[0]?.type, what).toContain(type);
        // protobuf keeps strings as they are: the span's and the service's names are in the body
        expect(received[0]?.body.includes('tools/list'), what).toBe(true);
        expect(received[0]?.body.includes('protocol-probe'), what).toBe(true);
        if (type === 'application/json') expect(() => JSON.parse(String(received[0]?.body))).not.toThrow();
        expect(lines().find((line) => line.msg === 'exporting traces over OTLP')?.protocol, what).toBe(
          type === 'application/json' ? 'http/json' : 'http/protobuf',
        );
      }
    } finally {
      collector.close();
    }
  });
});
