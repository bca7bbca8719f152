// The customer-db MCP server as data: its tools, resources and readiness, over a repository.
import {
  type ChangeFeed,
  createMemoryChangeFeed,
  defineServer,
  type ServerDefinition,
} from '@mcp-stack/core';
import { type WriteRunner, writeNow } from './db/lock-wait.ts';
import type { CustomerDbRepository } from './repository.ts';
import { customerDbResources } from './resources.ts';
import { customerReadTools, customerWriteTools } from './tools/customers.ts';
import { orderReadTools, orderWriteTools } from './tools/orders.ts';
import { VERSION } from './version.ts';

export const CUSTOMER_DB_NAME = 'customer-db';

export interface CustomerDbDeps {
  repository: CustomerDbRepository;
  /** Offer only the reading tools (default: whether the database was opened read-only). */
  readOnly?: boolean;
  /** How writes wait for another process's lock (default: as the repository does, `writeNow`). */
  runWrite?: WriteRunner;
  version?: string;
  /** Where changes are published for listeners (default: this process's own feed). */
  changes?: ChangeFeed;
}

const INSTRUCTIONS = `Customers and their orders, in a SQLite database.
- "What's the status of order 1234?": get_order with order_id 1234. Ids are whole numbers: pass them as 1234 or "1234".
- Find a customer by name or email with search_customers, then get_customer or update_customer with the id it returns; search before create_customer (emails are unique).
- A customer's orders: list_orders with customer_id. Lists page with next_cursor (pass it back with the same filters).
- Order status only moves processing → shipped → delivered, or processing → cancelled (update_order_status).
- Errors start with a code: NOT_FOUND, CONFLICT, INVALID_INPUT, FORBIDDEN, UNAVAILABLE (retry); the same is in the result's _meta["mcp-stack/error"] (code, fields, retryable).`;

const READ_ONLY_NOTE = '\nThis server is read-only: it offers no tools that change data.';

export function createCustomerDbServer(deps: CustomerDbDeps): ServerDefinition {
  const { repository } = deps;
  const readOnly = deps.readOnly ?? repository.readOnly;
  const runWrite = deps.runWrite ?? writeNow;
  // the write tools publish what they changed: listeners of customer-db://customers/{id} and customer-db://orders/{id}
  const changes = deps.changes ?? createMemoryChangeFeed();
  return defineServer({
    name: CUSTOMER_DB_NAME,
    version: deps.version ?? VERSION,
    title: 'Customer database',
    instructions: INSTRUCTIONS + (readOnly ? READ_ONLY_NOTE : ''),
    tools: [
      ...customerReadTools(repository.customers),
      ...(readOnly ? [] : customerWriteTools(repository.customers, runWrite, changes)),
      ...orderReadTools(repository.orders),
      ...(readOnly ? [] : orderWriteTools(repository.orders, runWrite, changes)),
    ],
    resources: customerDbResources(repository),
    changes,
    // create_customer adds a customer-db://customers/{id} resource to resources/list
    listChanged: readOnly ? [] : ['resources'],
    readiness: { database: () => repository.ping() },
    close: () => repository.close(),
  });
}
