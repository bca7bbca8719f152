// The public API of @mcp-stack/server-customer-db, by name.
export { BIN, customerDbCli, customerDbOptions, DEFAULT_PORT } from './cli.ts';
export { DB_FILE, defaultDbPath } from './data-path.ts';
export { type Database, type OpenDatabaseOptions, openDatabase } from './db/connection.ts';
export { DEMO_CUSTOMERS, DEMO_ORDERS, seedDemoData } from './db/demo-data.ts';
export { MIGRATIONS, type Migration, migrate, SCHEMA_VERSION } from './db/migrations.ts';
export type { QueryHook } from './db/statements.ts';
export { type SyntheticOptions, type SyntheticResult, seededRandom, seedSynthetic } from './db/synthetic.ts';
export { openPostgres, type PgDatabase, type PgOptions } from './pg/connection.ts';
export { PG_MIGRATIONS, type PgMigration } from './pg/migrations.ts';
export { openPostgresRepository } from './pg/open.ts';
export { createPgRepository, type PgRepositoryDeps } from './pg/repository.ts';
export { isPostgresUrl, redactUrl } from './pg/url.ts';
export type {
  CustomerChanges,
  CustomerPage,
  CustomerSearch,
  CustomersRepository,
  NewCustomer,
} from './repository/customers.ts';
export type { OrderList, OrderPage, OrdersRepository } from './repository/orders.ts';
export {
  type CustomerDbRepository,
  createRepository,
  type RepositoryDeps,
} from './repository.ts';
export {
  CUSTOMER_STATUSES,
  type Customer,
  CustomerSchema,
  type CustomerStatus,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  type Order,
  OrderSchema,
  type OrderStatus,
} from './schemas.ts';
export { planSearch, type SearchPlan } from './search.ts';
export { runSeedCommand, type SeedIo } from './seed-command.ts';
export { CUSTOMER_DB_NAME, type CustomerDbDeps, createCustomerDbServer } from './server.ts';
export { VERSION } from './version.ts';
