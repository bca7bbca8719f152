// The agent contract (core's README): the check on the definition, and an agent's session.
import { connectInMemory, errorDataOf, expectAgentContract, textOf } from '@mcp-stack/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCustomerDbServer } from './server.ts';
import { openTempDb, type TempDb } from './test-fixtures/temp-db.ts';

let t: TempDb;
beforeEach(() => {
  t = openTempDb();
});
afterEach(() => t.cleanup());

describe('the agent contract', () => {
  it('holds for the customer-db definition, read-write and read-only', () => {
    expectAgentContract(createCustomerDbServer({ repository: t.repository }));
    expectAgentContract(createCustomerDbServer({ repository: t.repository, readOnly: true }));
  });

  it('an agent session: ids as numbers and strings, errors as data, nothing internal shown', async () => {
    const { client, close } = await connectInMemory(createCustomerDbServer({ repository: t.repository }));
    const answers: unknown[] = [await client.listTools(), await client.listResourceTemplates()];
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      answers.push(result);
      return result;
    };
    try {
      // what the MCP Inspector CLI sends (order_id=1234 as a number), and what a model copies from text
      const byNumber = await call('get_order', { order_id: 1234 });
      const byString = await call('get_order', { order_id: '1234' });
      expect(byNumber.isError, textOf(byNumber)).toBeFalsy();
      expect(byNumber.structuredContent).toEqual(byString.structuredContent);
      expect(byNumber.structuredContent).toMatchObject({ id: '1234' });
      const customer = await call('get_customer', { customer_id: 1234 });
      expect(customer.structuredContent).toMatchObject({ id: '1234' });
      const orders = await call('list_orders', { customer_id: 1234 });
      expect(orders.isError, textOf(orders)).toBeFalsy();

      // not an id at all: INVALID_INPUT naming the field, never NOT_FOUND
      const bad = await call('get_order', { order_id: 'abc' });
      expect(textOf(bad)).toMatch(/^INVALID_INPUT: invalid arguments for get_order: order_id: /);
      expect(errorDataOf(bad)).toMatchObject({
        code: 'INVALID_INPUT',
        fields: ['order_id'],
        retryable: false,
      });
      const email = await call('update_customer', { customer_id: '1234', email: 'not an email' });
      expect(errorDataOf(email)).toMatchObject({ code: 'INVALID_INPUT', fields: ['email'] });
      const missing = await call('get_order', { order_id: 999_999 });
      expect(errorDataOf(missing)).toMatchObject({ code: 'NOT_FOUND', retryable: false });

      for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(t.dir);
    } finally {
      await close();
    }
  });
});
