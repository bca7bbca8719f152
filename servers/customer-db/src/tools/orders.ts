// get_order, list_orders, update_order_status.
import { type AnyTool, type ChangeFeed, confirmWithPerson, defineTool } from '@mcp-stack/core';
import { z } from 'zod';
import type { WriteRunner } from '../db/lock-wait.ts';
import type { OrdersRepository } from '../repository/orders.ts';
import { cursorInput, idInput, limitInput, nextCursor, ORDER_STATUSES, OrderSchema } from '../schemas.ts';
import { OVERWRITE, READ, SCOPE_READ, SCOPE_WRITE } from './annotations.ts';

const orderId = idInput('order', '1234');
const status = z.enum(ORDER_STATUSES);

export function orderReadTools(orders: OrdersRepository): AnyTool[] {
  return [
    defineTool({
      name: 'get_order',
      title: 'Get an order',
      description:
        'One order by id, with its status (processing, shipped, delivered or cancelled), total, ' +
        'currency and the customer it belongs to. Answers "what is the status of order 1234?".',
      input: { order_id: orderId },
      output: OrderSchema,
      annotations: READ,
      scopes: SCOPE_READ,
      handler: ({ order_id }) => orders.get(order_id),
    }),
    defineTool({
      name: 'list_orders',
      title: 'List orders',
      description:
        "Orders, oldest first, optionally one customer's and/or of one status. An unknown customer_id " +
        'fails with NOT_FOUND. Pages: pass next_cursor back as cursor, with the same filters.',
      input: {
        customer_id: idInput('customer', '1234').optional().describe('only this customer’s orders'),
        status: status.optional().describe('only orders with this status'),
        limit: limitInput,
        cursor: cursorInput,
      },
      output: z.object({ orders: z.array(OrderSchema), next_cursor: nextCursor }),
      annotations: READ,
      scopes: SCOPE_READ,
      handler: (args) => orders.list(args),
    }),
  ];
}

export function orderWriteTools(
  orders: OrdersRepository,
  runWrite: WriteRunner,
  changes?: ChangeFeed,
): AnyTool[] {
  return [
    defineTool({
      name: 'update_order_status',
      title: 'Change an order’s status',
      description:
        'Moves an order along its lifecycle: processing → shipped → delivered, or processing → ' +
        'cancelled. Any other change fails with CONFLICT saying what is allowed; delivered and ' +
        'cancelled are final. Setting the status it already has changes nothing. Cancelling cannot be ' +
        'undone: when the client can ask the person (elicitation), they are asked to confirm first, ' +
        'and a refusal fails with CANCELLED, the order unchanged.',
      input: { order_id: orderId, status: status.describe('the new status') },
      output: OrderSchema,
      annotations: OVERWRITE,
      scopes: SCOPE_WRITE,
      handler: async ({ order_id, status }, ctx) => {
        // cancelling is final: ask first (a missing order is NOT_FOUND before any question)
        if (status === 'cancelled' && (await orders.get(order_id)).status !== 'cancelled') {
          await confirmWithPerson(
            ctx,
            'confirm_cancel_order',
            `Cancel order ${order_id}? A cancelled order cannot be reopened.`,
          );
        }
        const order = await runWrite(() => orders.updateStatus(order_id, status), ctx.signal);
        // after every successful call, a no-op included: "may have changed" is what updated means
        await changes?.resourceUpdated(`customer-db://orders/${order.id}`);
        return order;
      },
    }),
  ];
}
