// The compose profile `scale` under test: HAProxy's view of the replicas (its CSV statistics),
// PostgreSQL's view of customer-db's data, and a client's rate limit across the replicas.
import { type Compose, rpc } from './compose.ts';

export interface ServerStats {
  backend: string;
  server: string;
  status: string;
  /** Requests (sessions) this replica was sent since HAProxy started. */
  sessions: number;
}

/** HAProxy's per-replica rows (`/stats;csv`), the templates' unused slots left out. */
export async function haproxyStats(statsPort: number): Promise<ServerStats[]> {
  const text = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
  const [header = '', ...lines] = text.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  return lines
    .map((line) => line.split(','))
    .filter((cells) => !['FRONTEND', 'BACKEND'].includes(cells[at('svname')] ?? ''))
    .map((cells) => ({
      backend: cells[at('pxname')] ?? '',
      server: cells[at('svname')] ?? '',
      status: cells[at('status')] ?? '',
      sessions: Number(cells[at('stot')] ?? 0),
    }))
    .filter((row) => row.backend !== 'stats' && !row.status.startsWith('MAINT'));
}

/** The replicas of one backend that HAProxy sends traffic to. */
export function upReplicas(stats: ServerStats[], backend: string): string[] {
  return stats.filter((s) => s.backend === backend && s.status === 'UP').map((s) => s.server);
}

/** Requests each replica of `backend` was sent between two readings. */
export function servedBetween(before: ServerStats[], after: ServerStats[], backend: string) {
  const served: Record<string, number> = {};
  for (const row of after.filter((s) => s.backend === backend)) {
    const was = before.find((s) => s.backend === backend && s.server === row.server)?.sessions ?? 0;
    served[row.server] = row.sessions - was;
  }
  return served;
}

/** One SQL query in the postgres container, as customer-db's role; its rows, tab-separated. */
export async function psql(dc: Compose, sql: string): Promise<string> {
  const out = await dc(
    ...['--profile', 'scale', 'exec', '-T', 'postgres', 'psql', '--username', 'customer_db'],
    ...['--dbname', 'customer_db', '--no-align', '--tuples-only', '--field-separator', '\t', '-c', sql],
  );
  return out.trim();
}

/**
 * `total` stateless calls of one client through the balancer, `concurrency` at a time: how many
 * were allowed (200), refused (429), anything else, and how long it took.
 */
export async function burst(url: string, key: string, total: number, concurrency: number) {
  const statuses: number[] = [];
  const started = performance.now();
  for (let sent = 0; sent < total; sent += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, total - sent) }, () =>
      rpc(url, key, 'tools/list'),
    );
    statuses.push(...(await Promise.all(batch)).map((r) => r.status));
  }
  return {
    allowed: statuses.filter((s) => s === 200).length,
    limited: statuses.filter((s) => s === 429).length,
    other: statuses.filter((s) => s !== 200 && s !== 429),
    seconds: (performance.now() - started) / 1000,
  };
}
