// A database span around every repository call, for both backends (core's `traceDbCall`: while
// traces are off it only calls through). Names what ran (the table, the kind of statement, the
// repository method), never a parameter's value or the SQL.
import { traceDbCall } from '@mcp-stack/core';
import type { CustomerDbRepository } from '../repository.ts';
import type { CustomersRepository } from './customers.ts';
import type { OrdersRepository } from './orders.ts';

export type DbSystem = 'sqlite' | 'postgresql';

const CUSTOMERS: Record<keyof CustomersRepository, string> = {
  get: 'SELECT',
  search: 'SELECT',
  create: 'INSERT',
  update: 'UPDATE',
  idsStartingWith: 'SELECT',
};

const ORDERS: Record<keyof OrdersRepository, string> = {
  get: 'SELECT',
  list: 'SELECT',
  updateStatus: 'UPDATE',
  idsStartingWith: 'SELECT',
};

/** The repository with its customers' and orders' calls traced (`db.system.name` = `system`). */
export function traceRepository(repository: CustomerDbRepository, system: DbSystem): CustomerDbRepository {
  return {
    ...repository,
    customers: traced(repository.customers, CUSTOMERS, system, 'customers'),
    orders: traced(repository.orders, ORDERS, system, 'orders'),
  };
}

function traced<R extends object>(
  repo: R,
  operations: Record<keyof R, string>,
  system: DbSystem,
  collection: string,
): R {
  const out: Record<string, unknown> = {};
  for (const [method, operation] of Object.entries(operations) as [string, string][]) {
    const call = (repo as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
    if (typeof call !== 'function') continue;
    const span = { system, operation, collection, function: `${collection}.${method}` };
    out[method] = (...args: unknown[]) => traceDbCall(span, () => call.apply(repo, args));
  }
  return out as R;
}
