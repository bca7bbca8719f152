// Changes made by one client reach another client's subscriptions/listen (2026-07-28) in the
// same process: customer-db://orders/{id} on update_order_status, customer-db://customers/{id} on update_customer, the
// resources list on create_customer. The SDK v2 client's listen() against the spawned HTTP bin.
import { fileURLToPath } from 'node:url';
import { type SpawnedHttp, spawnHttp } from '@mcp-stack/core/testing';
import { connectEra, type EraConnected } from '@mcp-stack/core/testing/eras';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, tempDir } from './test-fixtures/temp-db.ts';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const data = tempDir();
let http: SpawnedHttp;
let listener: EraConnected;
let writer: EraConnected;
beforeAll(async () => {
  http = await spawnHttp(process.execPath, ['--conditions=@mcp-stack/source', bin, '--http', '--port', '0'], {
    env: { ...CLEAN_ENV, MCP_STACK_DATA_DIR: data.dir },
  });
  listener = await connectEra({ url: http.url }, { pin: '2026-07-28' });
  writer = await connectEra({ url: http.url }, { pin: '2026-07-28' });
});
afterAll(async () => {
  await listener?.close();
  await writer?.close();
  await http?.stop();
  data.cleanup();
});

/** The next notification of `method` the listening client gets. */
function nextNotification(
  method: 'notifications/resources/updated' | 'notifications/resources/list_changed',
) {
  return new Promise<Record<string, unknown>>((resolve) => {
    listener.client.setNotificationHandler(method, (notification) => resolve(notification.params ?? {}));
  });
}

describe('customer-db change notifications on subscriptions/listen', () => {
  it("tells a listener of customer-db://orders/2345 about another client's update_order_status", async () => {
    const subscription = await listener.client.listen({
      resourceSubscriptions: ['customer-db://orders/2345'],
    });
    try {
      expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: ['customer-db://orders/2345'] });
      const updated = nextNotification('notifications/resources/updated');
      const result = await writer.client.callTool({
        name: 'update_order_status',
        arguments: { order_id: '2345', status: 'shipped' },
      });
      expect(result.structuredContent).toMatchObject({ id: '2345', status: 'shipped' });
      expect(await updated).toMatchObject({ uri: 'customer-db://orders/2345' });
      const read = await listener.client.readResource({ uri: 'customer-db://orders/2345' });
      expect(JSON.parse((read.contents[0] as { text: string }).text).status).toBe('shipped');
    } finally {
      await subscription.close();
    }
  });

  it('tells a listener of customer-db://customers/1234 about update_customer, and of the list about create_customer', async () => {
    const subscription = await listener.client.listen({
      resourceSubscriptions: ['customer-db://customers/1234'],
      resourcesListChanged: true,
      toolsListChanged: true,
    });
    try {
      // the tools list never changes here: not honoured
      expect(subscription.honoredFilter).toEqual({
        resourceSubscriptions: ['customer-db://customers/1234'],
        resourcesListChanged: true,
      });
      const updated = nextNotification('notifications/resources/updated');
      await writer.client.callTool({
        name: 'update_customer',
        arguments: { customer_id: '1234', status: 'inactive' },
      });
      expect(await updated).toMatchObject({ uri: 'customer-db://customers/1234' });
      const listChanged = nextNotification('notifications/resources/list_changed');
      await writer.client.callTool({
        name: 'create_customer',
        arguments: { name: 'Grace Hopper', email: 'grace.listen@example.com' },
      });
      await listChanged;
    } finally {
      await subscription.close();
    }
  });
});
