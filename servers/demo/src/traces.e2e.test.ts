// Traces from the spawned bin, to a real OTLP/HTTP receiver: over HTTP and over stdio (both eras),
// the caller's trace continued through the outbound call to the joke API; a collector that is
// down costs the caller nothing.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, postModern, type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from '@mcp-stack/core/testing/otlp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const NODE_ARGS = ['--conditions=@mcp-stack/source', fileURLToPath(new URL('./bin.ts', import.meta.url))];
const VERSION = '2026-07-28';
const traceparent = (trace: string, span: string) => `00-${trace}-${span}-01`;
const modernMeta = (extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});

let jokes: Server;
let jokeUrl: string;
const jokeHeaders: IncomingHttpHeaders[] = [];
let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  jokes = createServer((req, res) => {
    jokeHeaders.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1, type: 'general', setup: 'Why?', punchline: 'Because.' }));
  });
  await new Promise<void>((resolve) => jokes.listen(0, '127.0.0.1', resolve));
  jokeUrl = `http://127.0.0.1:${(jokes.address() as AddressInfo).port}/random_joke`;
});
afterAll(async () => {
  jokes?.close();
  await receiver?.close();
});

const running: SpawnedHttp[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

/** The demo bin over HTTP, exporting to the receiver every 20 ms (`env` overrides); stopped after the test. */
async function spawnTracedHttp(env: Record<string, string> = {}): Promise<SpawnedHttp> {
  const http = await spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], {
    env: {
      JOKE_API_URL: jokeUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      ...env,
    },
  });
  running.push(http);
  return http;
}

const inTrace = (trace: string) => (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === trace);

describe('mcp-server-demo traces over HTTP', () => {
  it('continues the caller trace from _meta into the joke API call, and sends it on', async () => {
    const http = await spawnTracedHttp();
    const trace = '11111111111111111111111111111111';
    const meta = modernMeta({ traceparent: traceparent(trace, '2222222222222222') });
    const { json } = await postModern(
      http.url,
      'tools/call',
      { name: 'fetch_joke', arguments: {} },
      { meta },
    );
    expect(json.result.structuredContent).toEqual({ setup: 'Why?', punchline: 'Because.' });
    const spans = inTrace(trace)(await receiver.waitFor((all) => inTrace(trace)(all).length >= 2));
    const server = spans.find((s) => s.kind === SPAN_KIND.server) as ReceivedSpan;
    expect(server).toMatchObject({
      name: 'tools/call fetch_joke',
      parentSpanId: '2222222222222222',
      service: 'demo',
      attributes: {
        'gen_ai.tool.name': 'fetch_joke',
        'mcp.method.name': 'tools/call',
        'network.transport': 'tcp',
      },
    });
    const client = spans.find((s) => s.kind === SPAN_KIND.client) as ReceivedSpan;
    expect(client).toMatchObject({
      name: 'GET',
      parentSpanId: server.spanId,
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.full': jokeUrl },
    });
    expect(jokeHeaders.at(-1)?.traceparent).toBe(traceparent(trace, client.spanId));
  });

  it('takes the HTTP traceparent header when _meta has none', async () => {
    const http = await spawnTracedHttp();
    const trace = '33333333333333333333333333333333';
    const { json } = await postModern(
      http.url,
      'tools/call',
      { name: 'generate_random_number', arguments: { min_value: 1, max_value: 3 } },
      { headers: { traceparent: traceparent(trace, '4444444444444444') } },
    );
    expect(json.result.isError).toBeFalsy();
    const [server] = inTrace(trace)(await receiver.waitFor((all) => inTrace(trace)(all).length >= 1));
    expect(server).toMatchObject({
      name: 'tools/call generate_random_number',
      parentSpanId: '4444444444444444',
    });
  });

  it('answers as usual when the collector is down, says so once on stderr, and stops cleanly', async () => {
    const closed = await freePort(); // nothing listens there
    const http = await spawnTracedHttp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    });
    const warned = new Promise<void>((resolve) => {
      const check = () => http.stderr().includes('traces could not be exported') && resolve();
      http.child.stderr.on('data', check);
      check();
    });
    for (let i = 0; i < 5; i++) {
      const { json } = await postModern(http.url, 'tools/call', { name: 'fetch_joke', arguments: {} });
      expect(json.result.structuredContent).toMatchObject({ punchline: 'Because.' });
    }
    await warned;
    const { json } = await postModern(http.url, 'tools/call', { name: 'fetch_joke', arguments: {} });
    expect(json.result.isError).toBeFalsy();
    expect(await http.stop()).toBe(0);
    const lines = http
      .stderr()
      .split('\n')
      .filter((l) => l.includes('traces could not be exported'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string).level).toBe('warn');
  });
});

describe('mcp-server-demo traces over stdio', () => {
  it('traces both eras, keeps stdout pure JSON-RPC, and exports the spans when stdin ends', async () => {
    const child = spawn(process.execPath, NODE_ARGS, {
      env: {
        ...process.env,
        JOKE_API_URL: jokeUrl,
        LOG_LEVEL: 'trace',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        // no export before shutdown: the spans arriving prove the flush on stop
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
    });
    children.push(child);
    const stdout: string[] = [];
    const answers = new Map<number, (message: Record<string, unknown>) => void>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      const message = JSON.parse(line) as Record<string, unknown>;
      answers.get(message.id as number)?.(message);
    });
    const request = (id: number, method: string, params: Record<string, unknown>) => {
      const answered = new Promise<Record<string, unknown>>((resolve) => answers.set(id, resolve));
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      return answered;
    };
    const modernTrace = '55555555555555555555555555555555';
    const legacyTrace = '77777777777777777777777777777777';
    const modern = await request(1, 'tools/call', {
      name: 'fetch_joke',
      arguments: {},
      _meta: modernMeta({ traceparent: traceparent(modernTrace, '6666666666666666') }),
    });
    expect(modern.result).toMatchObject({ structuredContent: { punchline: 'Because.' } });
    await request(2, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'test', version: '1' },
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const legacy = await request(3, 'tools/call', {
      name: 'fetch_joke',
      arguments: {},
      _meta: { traceparent: traceparent(legacyTrace, '8888888888888888') },
    });
    expect(legacy.result).toMatchObject({ structuredContent: { punchline: 'Because.' } });
    child.stdin.end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const spans = receiver.spans();
    for (const [trace, parent] of [
      [modernTrace, '6666666666666666'],
      [legacyTrace, '8888888888888888'],
    ] as const) {
      const mine = inTrace(trace)(spans);
      const server = mine.find((s) => s.kind === SPAN_KIND.server);
      expect(server).toMatchObject({
        name: 'tools/call fetch_joke',
        parentSpanId: parent,
        attributes: { 'network.transport': 'pipe' },
      });
      expect(mine.find((s) => s.kind === SPAN_KIND.client)?.parentSpanId).toBe(server?.spanId);
    }
    // each era's version: the modern request's _meta, the legacy one's from its initialize
    const versionOf = (trace: string) =>
      inTrace(trace)(spans).find((s) => s.kind === SPAN_KIND.server)?.attributes['mcp.protocol.version'];
    expect(versionOf(modernTrace)).toBe('2026-07-28');
    expect(versionOf(legacyTrace)).toBe('2025-11-25');
    // every stdout line was a JSON-RPC message (the parse above would have thrown otherwise)
    expect(stdout.length).toBeGreaterThanOrEqual(3);
    expect(stdout.every((line) => JSON.parse(line).jsonrpc === '2.0')).toBe(true);
  });
});
