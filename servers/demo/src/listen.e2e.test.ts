// demo://clock over subscriptions/listen (2026-07-28), with the SDK v2 client's listen(), over
// stdio and stateless HTTP: the clock notifies each tick while someone listens.
import { fileURLToPath } from 'node:url';
import { type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import { connectEra, type EraTarget } from '@mcp-stack/core/testing/eras';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const nodeArgs = ['--conditions=@mcp-stack/source', fileURLToPath(new URL('./bin.ts', import.meta.url))];
// the joke API is never called here; an address that refuses keeps the bin off the internet
const env = { JOKE_API_URL: 'http://127.0.0.1:9/random_joke' };

let http: SpawnedHttp;
beforeAll(async () => {
  http = await spawnHttp(process.execPath, [...nodeArgs, '--http', '--port', '0'], { env });
});
afterAll(async () => {
  await http?.stop();
});

const targets: Array<[string, () => EraTarget]> = [
  ['stdio', () => ({ stdio: { command: process.execPath, args: nodeArgs, env } })],
  ['stateless HTTP', () => ({ url: http.url })],
];

describe.each(targets)('demo://clock over %s', (_name, target) => {
  it('is acknowledged, then notifies the listen on each tick until it is closed', async () => {
    const connected = await connectEra(target(), { pin: '2026-07-28' });
    try {
      const { client } = connected;
      const discover = await client.discover();
      expect(discover.capabilities.resources).toMatchObject({ subscribe: true });
      const ticks: string[] = [];
      let twoTicks!: () => void;
      const ticked = new Promise<void>((resolve) => (twoTicks = resolve));
      client.setNotificationHandler('notifications/resources/updated', (notification) => {
        ticks.push(notification.params.uri);
        if (ticks.length === 2) twoTicks();
      });
      const subscription = await client.listen({ resourceSubscriptions: ['demo://clock', 'demo://nothing'] });
      // what the demo cannot notify is left out of the acknowledgement
      expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: ['demo://clock'] });
      await ticked;
      expect(ticks).toEqual(['demo://clock', 'demo://clock']);
      await subscription.close();
      expect(await subscription.closed).toBe('local');
    } finally {
      await connected.close();
    }
  }, 20_000);
});
