// get_customer, search_customers, create_customer, update_customer.
import { type AnyTool, type ChangeFeed, defineTool } from '@mcp-stack/core';
import { z } from 'zod';
import type { WriteRunner } from '../db/lock-wait.ts';
import type { CustomersRepository } from '../repository/customers.ts';
import {
  CUSTOMER_STATUSES,
  CustomerSchema,
  cursorInput,
  emailInput,
  idInput,
  limitInput,
  nameInput,
  nextCursor,
  QUERY_MAX,
  QUERY_TERMS_MAX,
  SEARCH_WINDOW,
} from '../schemas.ts';
import { CREATE, OVERWRITE, READ, SCOPE_READ, SCOPE_WRITE } from './annotations.ts';

const customerId = idInput('customer', '1234');
const status = z.enum(CUSTOMER_STATUSES);

export function customerReadTools(customers: CustomersRepository): AnyTool[] {
  return [
    defineTool({
      name: 'get_customer',
      title: 'Get a customer',
      description:
        'One customer by id: name, email, status (active, inactive or blocked) and timestamps. ' +
        'Use search_customers first when you only know a name or an email.',
      input: { customer_id: customerId },
      output: CustomerSchema,
      annotations: READ,
      scopes: SCOPE_READ,
      handler: ({ customer_id }) => customers.get(customer_id),
    }),
    defineTool({
      name: 'search_customers',
      title: 'Search customers',
      description:
        'Finds customers by words of their name or email, optionally by status, oldest first. ' +
        'Every word must match the start of a word in the name or email, ignoring case and accents ' +
        '("ali john" finds Alice Johnson; "example.com" finds those emails); a word with punctuation ' +
        `must also appear as typed ("o'brien", "%"). The text is never query syntax. Up to ${QUERY_TERMS_MAX} words. ` +
        'Without a query, lists customers. Pages: pass next_cursor back as cursor, with the same query and status. ' +
        `Each call examines at most ${SEARCH_WINDOW} candidates, so a page may hold fewer customers than limit, even none, ` +
        'while next_cursor is set: the search goes on from there.',
      input: {
        query: z
          .string()
          .max(QUERY_MAX)
          .optional()
          .describe('words to find in the name or email, e.g. "alice" or "bob smith"; omit to list all'),
        status: status.optional().describe('only customers with this status'),
        limit: limitInput,
        cursor: cursorInput,
      },
      output: z.object({ customers: z.array(CustomerSchema), next_cursor: nextCursor }),
      annotations: READ,
      scopes: SCOPE_READ,
      handler: (args) => customers.search(args),
    }),
  ];
}

export function customerWriteTools(
  customers: CustomersRepository,
  runWrite: WriteRunner,
  changes?: ChangeFeed,
): AnyTool[] {
  return [
    defineTool({
      name: 'create_customer',
      title: 'Create a customer',
      description:
        'Adds a customer and returns it with its new id. Emails are unique, ignoring case: a taken ' +
        'email fails with CONFLICT naming the customer who has it (search_customers before creating).',
      input: {
        name: nameInput.describe('full name, as the customer writes it'),
        email: emailInput.describe('email address; unique across customers'),
        status: status.default('active').describe('active (default), inactive or blocked'),
      },
      output: CustomerSchema,
      annotations: CREATE,
      scopes: SCOPE_WRITE,
      handler: async (args, ctx) => {
        const customer = await runWrite(() => customers.create(args), ctx.signal);
        // a new customer-db://customers/{id} in resources/list
        await changes?.resourcesListChanged();
        return customer;
      },
    }),
    defineTool({
      name: 'update_customer',
      title: 'Update a customer',
      description:
        "Changes a customer's name, email and/or status (give at least one) and returns the customer. " +
        'The old values are replaced. Unchanged values leave updated_at alone, so repeating a call is harmless.',
      input: {
        customer_id: customerId,
        name: nameInput.optional().describe('new full name'),
        email: emailInput.optional().describe('new email; must not belong to another customer'),
        status: status.optional().describe('new status: active, inactive or blocked'),
      },
      output: CustomerSchema,
      annotations: OVERWRITE,
      scopes: SCOPE_WRITE,
      handler: async ({ customer_id, ...fields }, ctx) => {
        const customer = await runWrite(() => customers.update(customer_id, fields), ctx.signal);
        await changes?.resourceUpdated(`customer-db://customers/${customer.id}`);
        return customer;
      },
    }),
  ];
}
