import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defineServer, defineTool } from '../server.ts';
import { connectHttp, serveForTest, spawnHttp } from '../testing.ts';

const FIXTURE_BIN = fileURLToPath(new URL('../test-fixtures/fixture-bin.ts', import.meta.url));
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('MCP_METRICS_PORT: probes and metrics on a port of their own', () => {
  it('serves /metrics, /healthz and /readyz there, and nothing of them beside MCP', async () => {
    const server = await spawnHttp(process.execPath, [FIXTURE_BIN, '--http', '--port', '0'], {
      env: { MCP_METRICS_PORT: '0' },
    });
    stops.push(() => server.stop());
    const listening = JSON.parse(
      server
        .stderr()
        .split('\n')
        .find((l) => l.includes('"msg":"listening"')) ?? '{}',
    );
    const ops = listening.ops as string;
    expect(ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(ops).port).not.toBe(new URL(server.url).port);

    const { client, close } = await connectHttp(server.url);
    stops.push(close);
    await client.listTools();
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${ops}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_requests_total\{method="tools\/list",outcome="ok"\} 1$/m);

    // the public listener keeps only MCP
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      expect((await fetch(new URL(path, server.url))).status, path).toBe(404);
    }
    // and the ops listener only the probes
    expect((await fetch(`${ops}/mcp`)).status).toBe(404);
    const post = await fetch(`${ops}/metrics`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('names MCP_METRICS_PORT when its port is taken, and does not start', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => holder.close(resolve)));
    const taken = (holder.address() as { port: number }).port;
    await expect(
      spawnHttp(process.execPath, [FIXTURE_BIN, '--http', '--port', '0'], {
        env: { MCP_METRICS_PORT: String(taken) },
      }),
    ).rejects.toThrow(
      `port ${taken} on 127.0.0.1 is already in use: stop what holds it, or pick another with MCP_METRICS_PORT`,
    );
  });

  it('answers /readyz with 503 "stopping" from the moment shutdown begins', async () => {
    // a call held open by the test keeps the server draining while the probe asks
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const definition = defineServer({
      name: 'held',
      version: '1.0.0',
      tools: [
        defineTool({
          name: 'hold',
          description: 'Answers once the test releases it.',
          input: {},
          handler: async () => {
            entered();
            await released;
            return 'released';
          },
        }),
      ],
    });
    const served = await serveForTest(definition, { metricsPort: 0, shutdownGraceMs: 30_000 });
    const { client, close } = await connectHttp(served.url);
    stops.push(close);
    const call = client.callTool({ name: 'hold', arguments: {} });
    await holding;
    const closing = served.close();
    const ready = await fetch(`${served.ops}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'stopping', checks: {} });
    release();
    expect((await call).isError).toBeFalsy();
    expect(await closing).toBe(true);
  });
  it('with a shutdown delay, keeps serving (and /readyz 503) for that long before the listener closes', async () => {
    const served = await serveForTest(defineServer({ name: 'delayed', version: '1.0.0', tools: [] }), {
      metricsPort: 0,
      // long enough for two local requests on a busy machine; the test then waits it out
      shutdownDelayMs: 4_000,
    });
    const closing = served.close();
    const ready = await fetch(`${served.ops}/readyz`);
    expect(ready.status).toBe(503);
    // a balancer that has not noticed yet still gets answers on new connections
    const late = await fetch(served.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(late.status).toBe(200);
    expect(late.headers.get('connection')).toBe('close');
    stops.push(() => closing);
  });
});
