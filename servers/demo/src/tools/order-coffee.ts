import { defineTool } from '@mcp-stack/core';
import { z } from 'zod';

const SIZES = ['small', 'medium', 'large'] as const;

const Order = z.object({
  ordered: z.boolean().describe('whether the person placed the order'),
  name: z.string().optional().describe('the name to call out'),
  cups: z.number().int().min(1).max(10).optional(),
  size: z.enum(SIZES).optional(),
  oat_milk: z.boolean().optional(),
  reason: z.string().optional().describe('why nothing was ordered'),
});

/**
 * A form-style question: the tool asks the person (not the model) for typed fields. It needs a
 * client that can ask (elicitation): in MCP 2026-07-28 the call answers `input_required` and the
 * client retries it with the answers; in 2025-11-25 it is a request to the client on stdio or in
 * a session.
 */
export function orderCoffeeTool() {
  return defineTool({
    name: 'order_coffee',
    title: 'Order a coffee',
    description:
      'Asks the person, through a form in their client, for a coffee order (name, cups, size, oat milk) ' +
      'and returns what they chose; ordered is false when they declined. Needs a client that can ask ' +
      'the person questions (the elicitation capability).',
    input: {
      note: z.string().max(200).optional().describe('a line shown above the form, such as who is buying'),
    },
    output: Order,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    clientCapabilities: ['elicitation'],
    handler: async ({ note }, ctx) => {
      const answer = await ctx.elicit('coffee_order', {
        message: note ? `${note}: what coffee would you like?` : 'What coffee would you like?',
        requestedSchema: {
          type: 'object',
          properties: {
            name: {
              type: 'string',
              title: 'Name',
              description: 'the name to call out',
              minLength: 1,
              maxLength: 40,
            },
            cups: { type: 'integer', title: 'Cups', minimum: 1, maximum: 10, default: 1 },
            size: { type: 'string', title: 'Size', enum: [...SIZES], default: 'medium' },
            oat_milk: { type: 'boolean', title: 'Oat milk', default: false },
          },
          required: ['name', 'cups', 'size'],
        },
      });
      if (answer.action !== 'accept') return { ordered: false, reason: `the person chose ${answer.action}` };
      const order = Order.omit({ ordered: true, reason: true }).required({
        name: true,
        cups: true,
        size: true,
      });
      const checked = order.safeParse(answer.content);
      if (!checked.success)
        return {
          ordered: false,
          reason: `the answer did not fit the form: ${checked.error.issues[0]?.message}`,
        };
      return { ordered: true, ...checked.data, oat_milk: checked.data.oat_milk ?? false };
    },
  });
}
