// The HTTP client's GET cache: 1,000 concurrent identical GETs make one upstream request; then
// cached against uncached throughput of sequential GETs to a local upstream.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '@mcp-stack/core';
import { type Benchmark, fmt } from './lib.ts';

export const clientCache: Benchmark = async (ctx) => {
  let upstreamRequests = 0;
  const upstream = createServer((_req, res) => {
    upstreamRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":1,"name":"Ada"}');
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  try {
    ctx.progress('1,000 concurrent identical GETs');
    const cached = createHttpClient({ baseUrl, cache: { ttlMs: 60_000, max: 100 } });
    await Promise.all(Array.from({ length: 1_000 }, () => cached.get('/users/1')));
    const concurrentRequests = upstreamRequests;

    const calls = ctx.full ? 20_000 : 5_000;
    const time = async (client: ReturnType<typeof createHttpClient>) => {
      const started = performance.now();
      for (let i = 0; i < calls; i++) await client.get('/users/1');
      return calls / ((performance.now() - started) / 1000);
    };
    ctx.progress(`${calls} sequential GETs, cached`);
    const cachedRate = await time(cached);
    ctx.progress(`${calls} sequential GETs, uncached`);
    const uncachedRate = await time(createHttpClient({ baseUrl }));
    return {
      name: 'cache',
      title: 'HTTP client GET cache (local upstream)',
      table: [
        ['measure', 'value'],
        ['upstream requests for 1,000 concurrent identical GETs', String(concurrentRequests)],
        [`cached GETs/s (${calls} sequential)`, fmt(cachedRate)],
        [`uncached GETs/s (${calls} sequential)`, fmt(uncachedRate)],
        ['cached vs uncached', `${fmt(cachedRate / uncachedRate, 1)}x`],
      ],
      targets: [
        {
          name: 'upstream requests for 1,000 concurrent GETs',
          wanted: '1',
          met: concurrentRequests === 1,
          by: String(concurrentRequests),
        },
      ],
      figures: { concurrentRequests, cachedRate, uncachedRate },
    };
  } finally {
    upstream.close();
  }
};
