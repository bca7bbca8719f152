// Shared pieces of the customer-db crash and concurrent-writer tests: the server bin spawned over
// stdio (with its pid, to SIGKILL it), a write workload that records what was acknowledged and what
// was still in flight, and a checker that compares a database file with that record.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from '@mcp-stack/server-customer-db';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type BetterSqlite3 from 'better-sqlite3';
import { cleanEnv } from '../shared/clean-env.ts';

const PACKAGE_DIR = dirname(
  createRequire(import.meta.url).resolve('@mcp-stack/server-customer-db/package.json'),
);
/** `node` arguments that run the customer-db bin from its sources. */
export const BIN_ARGS = ['--conditions=@mcp-stack/source', join(PACKAGE_DIR, 'src', 'bin.ts')];

/** The environment of a spawned customer-db: nothing of the developer's setup, warnings only. */
export const CLEAN_ENV: Record<string, string> = { ...cleanEnv(), LOG_LEVEL: 'warn' };

export type CustomerStatus = 'active' | 'inactive' | 'blocked';
export type OrderStatus = 'processing' | 'shipped' | 'delivered' | 'cancelled';

export interface CustomerRow {
  id: number;
  name: string;
  email: string;
  status: CustomerStatus;
  created_at: string;
  updated_at: string;
}

export interface OrderRow {
  id: number;
  customer_id: number;
  status: OrderStatus;
  total_cents: number;
  currency: string;
  created_at: string;
  updated_at: string;
}

/** Every customer and order of a database, by id. */
export interface Snapshot {
  customers: Map<number, CustomerRow>;
  orders: Map<number, OrderRow>;
}

// ---------------------------------------------------------------------------------------------
// processes

export interface Server {
  client: Client;
  pid: number;
  stderr(): string;
  /** SIGKILL, then waits until the client saw the pipe close. */
  kill(): Promise<void>;
  /** A clean shutdown: the client closes stdin and the server exits. */
  close(): Promise<void>;
}

const live = new Set<Server>();

/** Kills every server still running (for afterEach, whatever the test did). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((server) => server.kill()));
}

/** Spawns `mcp-server-customer-db --db path` over stdio and connects an SDK client. */
export async function startServer(path: string, args: string[] = []): Promise<Server> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...BIN_ARGS, '--db', path, ...args],
    env: { ...(process.env as Record<string, string>), ...CLEAN_ENV },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'reliability-customer-db', version: '0.0.0' }, { capabilities: {} });
  let closed = false;
  const onClosed = new Promise<void>((resolve) => {
    client.onclose = () => {
      closed = true;
      resolve();
    };
  });
  let pid: number | null = null;
  const server: Server = {
    client,
    get pid() {
      return pid ?? -1;
    },
    stderr: () => stderr,
    async kill() {
      live.delete(server);
      if (pid !== null && !closed) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await Promise.race([onClosed, sleep(10_000)]);
      await client.close().catch(() => {});
    },
    async close() {
      live.delete(server);
      await client.close();
    },
  };
  live.add(server);
  try {
    await client.connect(transport);
  } catch (error) {
    await server.kill();
    throw new Error(`customer-db did not start on ${path}: ${(error as Error).message}\n${stderr}`);
  }
  pid = transport.pid;
  return server;
}

/** Runs `mcp-server-customer-db seed …` to completion. */
export async function runSeed(path: string, customers: number): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [...BIN_ARGS, 'seed', '--customers', String(customers), '--db', path],
    { env: { ...process.env, ...CLEAN_ENV }, timeout: 120_000 },
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Copies a database a crash left behind (the file and its WAL, not the shared-memory index, which
 * SQLite rebuilds) so it can be checked read-write without touching the original: the next server
 * then recovers the very WAL the kill left.
 */
export function copyDatabase(path: string, to: string): string {
  const target = join(to, 'copy.sqlite');
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
  copyFileSync(path, target);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${target}-wal`);
  return target;
}

// ---------------------------------------------------------------------------------------------
// reading a database

export function readSnapshot(db: BetterSqlite3.Database): Snapshot {
  const customers = db
    .prepare('SELECT id, name, email, status, created_at, updated_at FROM customers')
    .all() as CustomerRow[];
  const orders = db
    .prepare('SELECT id, customer_id, status, total_cents, currency, created_at, updated_at FROM orders')
    .all() as OrderRow[];
  return {
    customers: new Map(customers.map((row) => [row.id, row])),
    orders: new Map(orders.map((row) => [row.id, row])),
  };
}

/** What a new file holds once one server has started on it: the demo data, once. */
export function demoSnapshot(): Snapshot {
  const customers = new Map<number, CustomerRow>(
    DEMO_CUSTOMERS.map(([id, name, email, status, created]) => [
      id,
      { id, name, email, status, created_at: created, updated_at: created },
    ]),
  );
  const orders = new Map<number, OrderRow>(
    DEMO_ORDERS.map(([id, customer_id, status, total_cents, currency, created_at, updated_at]) => [
      id,
      { id, customer_id, status, total_cents, currency, created_at, updated_at },
    ]),
  );
  return { customers, orders };
}

/** The characters the symbol index keeps: everything but ASCII letters, digits and the space. */
function symbolsOf(text: string): string[] {
  return [...text].filter((ch) => !/^[A-Za-z0-9 ]$/.test(ch));
}

/**
 * SQLite's own checks and the search indexes against the table: `integrity_check`,
 * `foreign_key_check`, FTS5 `integrity-check` (with the content table), and the symbol index
 * holding exactly the symbols of every name and email. Returns what is wrong.
 */
export function structuralProblems(db: BetterSqlite3.Database): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok')
    problems.push(`integrity_check: ${JSON.stringify(integrity.slice(0, 5))}`);
  const foreign = db.pragma('foreign_key_check') as unknown[];
  if (foreign.length) problems.push(`foreign_key_check: ${JSON.stringify(foreign.slice(0, 5))}`);
  try {
    db.prepare("INSERT INTO customers_fts (customers_fts, rank) VALUES ('integrity-check', 1)").run();
  } catch (error) {
    problems.push(`fts5 integrity-check: ${(error as Error).message}`);
  }
  const expected = new Set<string>();
  for (const { id, name, email } of db
    .prepare('SELECT id, name, email FROM customers')
    .iterate() as Iterable<{
    id: number;
    name: string;
    email: string;
  }>) {
    for (const symbol of [...symbolsOf(name), ...symbolsOf(email)]) expected.add(`${symbol} ${id}`);
  }
  const actual = new Set(
    (
      db.prepare('SELECT symbol, customer_id FROM customer_symbols').all() as Array<{
        symbol: string;
        customer_id: number;
      }>
    ).map((row) => `${row.symbol} ${row.customer_id}`),
  );
  const missing = [...expected].filter((key) => !actual.has(key));
  const extra = [...actual].filter((key) => !expected.has(key));
  if (missing.length)
    problems.push(`symbol index misses ${missing.length}: ${missing.slice(0, 5).join(', ')}`);
  if (extra.length) problems.push(`symbol index has ${extra.length} stale: ${extra.slice(0, 5).join(', ')}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// the write workload

interface CustomerChanges {
  name?: string;
  email?: string;
  status?: CustomerStatus;
}
interface NewCustomer {
  name: string;
  email: string;
  status: CustomerStatus;
}

const STATUSES: CustomerStatus[] = ['active', 'inactive', 'blocked'];
// names and emails with the characters search treats specially, so the symbol index and FTS both work
const NAMES: Array<(tag: string) => string> = [
  (tag) => `Crash ${tag} Person`,
  (tag) => `${tag} O'Brien-Zoë`,
  (tag) => `Ünïcödé ${tag} 50% off_sale`,
  (tag) => `"Quoted" ${tag} (x) NEAR/2 * OR -y`,
  (tag) => `李小龙 ${tag} 🎉`,
];
const EMAILS: Array<(tag: string) => string> = [
  (tag) => `${tag}@crash.test`,
  (tag) => `${tag}+o'neil@crash.test`,
  (tag) => `${tag}.50%_x@crash.test`,
  (tag) => `"${tag}"@Crash.Test`,
];
const NEXT_ORDER: Record<OrderStatus, OrderStatus[]> = {
  processing: ['shipped', 'shipped', 'shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export interface WorkloadOptions {
  /** Uniform in [0, 1), seeded. */
  random: () => number;
  /** A unique, fixed-width word for write number n (no tag may be a prefix of another). */
  tag: (n: number) => string;
  /** Chances of create_customer, update_customer and update_order_status (they need not sum to 1). */
  weights: { create: number; updateCustomer: number; updateOrder: number };
  /** Customers this workload may update besides the ones it creates (no other workload may). */
  customerIds?: number[];
  /** Orders this workload may move along (no other workload may); their statuses now. */
  orders?: Map<number, OrderRow>;
}

type Outcome = 'acked' | 'failed' | 'lost';

/**
 * Issues writes over one MCP client, several in flight, and records each one: acknowledged (the
 * row as the result returned it), failed (a tool error, a finding), or still in flight when the
 * connection died (the write may or may not have committed). At most one write per row is in
 * flight, so a row's value is its last acknowledged one or the one in flight.
 */
export class Workload {
  /** Customers this workload created or updated: the last acknowledged row and any change in flight. */
  readonly customers = new Map<number, { acked: CustomerRow; pending?: CustomerChanges }>();
  /** Creates whose result never came, by lower-cased email. */
  readonly pendingCreates = new Map<string, NewCustomer>();
  readonly orders = new Map<number, { acked: OrderRow; pending?: OrderStatus }>();
  readonly failures: string[] = [];
  acknowledged = 0;
  /** Time of each acknowledgement (ms since start), for the rate. */
  firstAckAt = Number.NaN;
  lastAckAt = Number.NaN;
  private sequence = 0;
  private readonly busy = new Set<string>();
  private readonly updatable: number[];
  private readonly movable: number[];
  private readonly orderNow = new Map<number, OrderRow>();
  private stopped = false;
  private readonly started = performance.now();

  private readonly options: WorkloadOptions;

  constructor(options: WorkloadOptions) {
    this.options = options;
    this.updatable = [...(options.customerIds ?? [])];
    for (const [id, row] of options.orders ?? []) {
      if (NEXT_ORDER[row.status].length) this.orderNow.set(id, row);
    }
    this.movable = [...this.orderNow.keys()];
  }

  /**
   * Runs `concurrency` loops of writes until `limit` writes were issued, `stop()` is called, or
   * the connection fails. `onAck` runs after each acknowledgement.
   */
  async run(client: Client, concurrency: number, limit = Number.POSITIVE_INFINITY, onAck?: () => void) {
    let issued = 0;
    const loop = async () => {
      while (!this.stopped && issued < limit) {
        issued++;
        const outcome = await this.writeOnce(client);
        if (outcome === 'lost') this.stopped = true;
        else if (outcome === 'acked') onAck?.();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
  }

  stop() {
    this.stopped = true;
  }

  /** Writes per second from the start to the last acknowledgement. */
  rate(): number {
    return (this.acknowledged * 1000) / (this.lastAckAt || 1);
  }

  private pick<T>(list: T[]): T | undefined {
    return list.length ? list[Math.floor(this.options.random() * list.length)] : undefined;
  }

  private choose(): 'create' | 'updateCustomer' | 'updateOrder' {
    const { create, updateCustomer, updateOrder } = this.options.weights;
    const roll = this.options.random() * (create + updateCustomer + updateOrder);
    if (roll < create) return 'create';
    if (roll < create + updateCustomer) return 'updateCustomer';
    return 'updateOrder';
  }

  private acked() {
    this.acknowledged++;
    const at = performance.now() - this.started;
    if (Number.isNaN(this.firstAckAt)) this.firstAckAt = at;
    this.lastAckAt = at;
  }

  private async call(client: Client, name: string, args: Record<string, unknown>) {
    try {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) {
        const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
        this.failures.push(`${name} ${JSON.stringify(args)}: ${text}`);
        return { outcome: 'failed' as const };
      }
      this.acked();
      return { outcome: 'acked' as const, value: result.structuredContent as Record<string, unknown> };
    } catch {
      return { outcome: 'lost' as const };
    }
  }

  private async writeOnce(client: Client): Promise<Outcome> {
    const op = this.choose();
    const random = this.options.random;
    if (op === 'updateCustomer') {
      const id = this.pick(this.updatable.filter((c) => !this.busy.has(`c${c}`)));
      if (id !== undefined) return this.updateCustomer(client, id);
    }
    if (op === 'updateOrder') {
      const id = this.pick(this.movable.filter((o) => !this.busy.has(`o${o}`)));
      if (id !== undefined) return this.updateOrder(client, id);
    }
    const tag = this.options.tag(this.sequence++);
    const input: NewCustomer = {
      name: (this.pick(NAMES) as (t: string) => string)(tag),
      email: (this.pick(EMAILS) as (t: string) => string)(tag),
      status: STATUSES[Math.floor(random() * 3)] as CustomerStatus,
    };
    const key = input.email.toLowerCase();
    this.pendingCreates.set(key, input);
    const { outcome, value } = await this.call(client, 'create_customer', { ...input });
    if (outcome === 'lost') return outcome;
    this.pendingCreates.delete(key);
    if (value) {
      const row = customerRow(value);
      this.customers.set(row.id, { acked: row });
      this.updatable.push(row.id);
    }
    return outcome;
  }

  private async updateCustomer(client: Client, id: number): Promise<Outcome> {
    const entry = this.customers.get(id);
    const random = this.options.random;
    const tag = this.options.tag(this.sequence++);
    const changes: CustomerChanges = { name: `Renamed ${tag} ${random() < 0.5 ? "d'Arc" : 'Ünïcödé'}` };
    if (random() < 0.4) changes.email = `${tag}.v@crash.test`;
    if (random() < 0.4) changes.status = STATUSES[Math.floor(random() * 3)] as CustomerStatus;
    this.busy.add(`c${id}`);
    if (entry) entry.pending = changes;
    else this.customers.set(id, { acked: undefined as unknown as CustomerRow, pending: changes });
    const { outcome, value } = await this.call(client, 'update_customer', {
      customer_id: String(id),
      ...changes,
    });
    if (outcome === 'lost') return outcome;
    this.busy.delete(`c${id}`);
    const now = this.customers.get(id) as { acked: CustomerRow; pending?: CustomerChanges };
    delete now.pending;
    if (value) now.acked = customerRow(value);
    else if (!now.acked) this.customers.delete(id); // a failed first update changed nothing
    return outcome;
  }

  private async updateOrder(client: Client, id: number): Promise<Outcome> {
    const current = this.orderNow.get(id) as OrderRow;
    const status = this.pick(NEXT_ORDER[current.status]) as OrderStatus;
    this.busy.add(`o${id}`);
    const entry = this.orders.get(id) ?? { acked: current };
    entry.pending = status;
    this.orders.set(id, entry);
    const { outcome, value } = await this.call(client, 'update_order_status', {
      order_id: String(id),
      status,
    });
    if (outcome === 'lost') return outcome;
    this.busy.delete(`o${id}`);
    delete entry.pending;
    if (value) {
      entry.acked = orderRow(value);
      this.orderNow.set(id, entry.acked);
      if (!NEXT_ORDER[entry.acked.status].length) this.movable.splice(this.movable.indexOf(id), 1);
    }
    return outcome;
  }
}

function customerRow(value: Record<string, unknown>): CustomerRow {
  const { id, name, email, status, created_at, updated_at } = value as unknown as CustomerRow & {
    id: string;
  };
  return { id: Number(id), name, email, status, created_at, updated_at };
}

function orderRow(value: Record<string, unknown>): OrderRow {
  const { id, customer_id, status, total_cents, currency, created_at, updated_at } = value as unknown as Omit<
    OrderRow,
    'id' | 'customer_id'
  > & { id: string; customer_id: string };
  return {
    id: Number(id),
    customer_id: Number(customer_id),
    status,
    total_cents,
    currency,
    created_at,
    updated_at,
  };
}

// ---------------------------------------------------------------------------------------------
// checking a database against what the workloads were told

const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

export interface Verdict {
  problems: string[];
  /** Writes in flight at the kill that had committed anyway (allowed: their result never came). */
  committedInFlight: number;
  /** Writes in flight at the kill that had not committed. */
  notCommittedInFlight: number;
}

/**
 * Compares every customer and order of `db` with `before` (the state when the workloads began)
 * and with what each workload was told: every acknowledged write is there with its exact values,
 * a write in flight is there fully or not at all, nothing else changed, and nothing appeared.
 */
export function checkAgainst(db: BetterSqlite3.Database, before: Snapshot, workloads: Workload[]): Verdict {
  return checkSnapshot(readSnapshot(db), before, workloads);
}

/** checkAgainst for a snapshot read by other means (PostgreSQL). */
export function checkSnapshot(after: Snapshot, before: Snapshot, workloads: Workload[]): Verdict {
  const problems: string[] = [];
  let committedInFlight = 0;
  let notCommittedInFlight = 0;
  const touchedCustomers = new Map<number, { acked: CustomerRow; pending?: CustomerChanges }>();
  const touchedOrders = new Map<number, { acked: OrderRow; pending?: OrderStatus }>();
  const pendingCreates = new Map<string, NewCustomer>();
  for (const workload of workloads) {
    for (const [id, entry] of workload.customers) touchedCustomers.set(id, entry);
    for (const [id, entry] of workload.orders) touchedOrders.set(id, entry);
    for (const [email, input] of workload.pendingCreates) pendingCreates.set(email, input);
  }

  for (const [id, entry] of touchedCustomers) {
    const row = after.customers.get(id);
    const acked = entry.acked ?? before.customers.get(id);
    if (!row) {
      problems.push(`customer ${id} (acknowledged ${JSON.stringify(acked)}) is missing`);
      continue;
    }
    if (same(row, acked)) {
      if (entry.pending) notCommittedInFlight++;
      continue;
    }
    const { updated_at: _u, ...expected } = { ...acked, ...entry.pending };
    const { updated_at, ...actual } = row;
    if (entry.pending && same(actual, expected) && updated_at >= (acked as CustomerRow).updated_at) {
      committedInFlight++;
      continue;
    }
    problems.push(
      `customer ${id} is ${JSON.stringify(row)}; acknowledged ${JSON.stringify(acked)}` +
        (entry.pending ? `, in flight ${JSON.stringify(entry.pending)}` : ''),
    );
  }
  const foundPending = new Set<string>();
  for (const [id, row] of after.customers) {
    if (touchedCustomers.has(id)) continue;
    const old = before.customers.get(id);
    if (old) {
      if (!same(row, old))
        problems.push(`customer ${id} changed though nobody wrote it: ${JSON.stringify(row)}`);
      continue;
    }
    const input = pendingCreates.get(row.email.toLowerCase());
    if (
      input &&
      input.name === row.name &&
      input.email === row.email &&
      input.status === row.status &&
      row.created_at === row.updated_at
    ) {
      foundPending.add(row.email.toLowerCase());
      committedInFlight++;
      continue;
    }
    problems.push(`customer ${id} appeared from nowhere: ${JSON.stringify(row)}`);
  }
  notCommittedInFlight += pendingCreates.size - foundPending.size;
  for (const id of before.customers.keys()) {
    if (!after.customers.has(id)) problems.push(`customer ${id} disappeared`);
  }

  if (after.orders.size !== before.orders.size)
    problems.push(`orders: ${before.orders.size} before, ${after.orders.size} after`);
  for (const [id, row] of after.orders) {
    const entry = touchedOrders.get(id);
    const old = before.orders.get(id);
    if (!entry) {
      if (!same(row, old))
        problems.push(`order ${id} changed though nobody wrote it: ${JSON.stringify(row)}`);
      continue;
    }
    if (same(row, entry.acked)) {
      if (entry.pending) notCommittedInFlight++;
      continue;
    }
    const { updated_at: _u, ...expected } = { ...entry.acked, status: entry.pending };
    const { updated_at, ...actual } = row;
    if (entry.pending && same(actual, expected) && updated_at >= entry.acked.updated_at) {
      committedInFlight++;
      continue;
    }
    problems.push(
      `order ${id} is ${JSON.stringify(row)}; acknowledged ${JSON.stringify(entry.acked)}` +
        (entry.pending ? `, in flight ${entry.pending}` : ''),
    );
  }
  return { problems, committedInFlight, notCommittedInFlight };
}

/** The tag word of a name written by a workload (`Crash r01n00002 Person` → `r01n00002`). */
export function tagOf(name: string, pattern: RegExp): string | undefined {
  return name.match(pattern)?.[0];
}

/**
 * Reads customers and orders back through a running server: each customer is found by
 * search_customers on its tag word (the full-text index) with exactly the values of `expected`,
 * and get_customer and get_order give the same rows.
 */
export async function mcpProblems(
  client: Client,
  expected: Snapshot,
  customerIds: Iterable<number>,
  orderIds: Iterable<number>,
  pattern: RegExp,
): Promise<string[]> {
  const problems: string[] = [];
  for (const id of customerIds) {
    const row = expected.customers.get(id);
    if (!row) continue;
    const want = { ...row, id: String(id) };
    const got = await client.callTool({ name: 'get_customer', arguments: { customer_id: String(id) } });
    if (!same(got.structuredContent, want))
      problems.push(`get_customer ${id}: ${JSON.stringify(got.structuredContent ?? got.content)}`);
    const tag = tagOf(row.name, pattern);
    if (!tag) continue;
    const found = await client.callTool({ name: 'search_customers', arguments: { query: tag, limit: 100 } });
    const customers = (found.structuredContent as { customers?: unknown[] } | undefined)?.customers ?? [];
    if (!customers.some((c) => same(c, want)))
      problems.push(`search_customers "${tag}" does not find customer ${id}: ${JSON.stringify(customers)}`);
  }
  for (const id of orderIds) {
    const row = expected.orders.get(id);
    if (!row) continue;
    const got = await client.callTool({ name: 'get_order', arguments: { order_id: String(id) } });
    const value = got.structuredContent as Record<string, unknown> | undefined;
    if (!value || !same(orderRow(value), row)) problems.push(`get_order ${id}: ${JSON.stringify(value)}`);
  }
  return problems;
}
