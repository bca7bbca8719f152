// customer-db://customers/{id}, customer-db://orders/{id} (listed a page at a time, ids completed) and customer-db://schema.
import {
  defineResource,
  defineResourceTemplate,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
} from '@mcp-stack/core';
import type { CustomerDbRepository } from './repository.ts';

/** Resources listed per `resources/list` page. */
export const RESOURCE_PAGE = 100;
/** Completion answers up to 100 values; one more says there are more. */
const COMPLETION_MAX = 101;

function short(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function customerDbResources(
  repository: CustomerDbRepository,
): Array<ResourceDefinition | ResourceTemplateDefinition> {
  const { customers, orders } = repository;
  return [
    defineResource({
      uri: 'customer-db://schema',
      name: 'schema',
      title: 'Customer database schema',
      description: 'The SQLite schema (tables, indexes, triggers) with the statuses and the order lifecycle.',
      mimeType: 'application/sql',
      read: () => repository.schemaSql(),
    }),
    defineResourceTemplate({
      uriTemplate: 'customer-db://customers/{id}',
      name: 'customer',
      title: 'Customer',
      description: 'One customer as JSON, the same as get_customer returns.',
      mimeType: 'application/json',
      list: async (cursor) => {
        const page = await customers.search({ limit: RESOURCE_PAGE, cursor });
        return {
          resources: page.customers.map((c) => ({
            uri: `customer-db://customers/${c.id}`,
            name: `customer-${c.id}`,
            title: short(`${c.name} <${c.email}>`),
          })),
          ...(page.next_cursor !== null && { nextCursor: page.next_cursor }),
        };
      },
      complete: { id: (prefix) => customers.idsStartingWith(prefix, COMPLETION_MAX) },
      read: async ({ id }) => ({ json: await customers.get(id ?? '') }),
      // update_customer publishes customer-db://customers/{id}
      subscribable: true,
    }),
    defineResourceTemplate({
      uriTemplate: 'customer-db://orders/{id}',
      name: 'order',
      title: 'Order',
      description: 'One order as JSON, the same as get_order returns.',
      mimeType: 'application/json',
      list: async (cursor) => {
        const page = await orders.list({ limit: RESOURCE_PAGE, cursor });
        return {
          resources: page.orders.map((o) => ({
            uri: `customer-db://orders/${o.id}`,
            name: `order-${o.id}`,
            title: short(`Order ${o.id}, ${o.status}, for ${o.customer_name}`),
          })),
          ...(page.next_cursor !== null && { nextCursor: page.next_cursor }),
        };
      },
      complete: { id: (prefix) => orders.idsStartingWith(prefix, COMPLETION_MAX) },
      read: async ({ id }) => ({ json: await orders.get(id ?? '') }),
      // update_order_status publishes customer-db://orders/{id}
      subscribable: true,
    }),
  ];
}
