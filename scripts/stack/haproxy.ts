// The load balancer of `pnpm start --replicas N`: HAProxy (Debian's package) in front of each MCP
// server's replicas, on the server's own port, so clients see one server.
import { spawnSync } from 'node:child_process';

/** The haproxy binary: on PATH, else where Debian and Homebrew put it (sbin is not on every PATH). */
export function haproxyPath(): string | undefined {
  for (const candidate of [
    'haproxy',
    '/usr/sbin/haproxy',
    '/usr/local/sbin/haproxy',
    '/opt/homebrew/bin/haproxy',
  ]) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return undefined;
}

export interface Frontend {
  name: string;
  /** The public port clients use (3001, 3002, ...). */
  port: number;
  /** The replicas' ports on 127.0.0.1. */
  replicas: number[];
}

/**
 * One frontend and backend per server. A replica is taken out of rotation as soon as its /readyz
 * fails (checked every 500 ms; a stopping replica answers 503 at once, then refuses connections);
 * a request whose connection was refused is sent to another replica, which is safe for any
 * method since that replica never saw it. One request per server connection
 * (`http-server-close`), so no request is ever sent on a connection the replica was closing.
 */
export function haproxyConfig(frontends: ReadonlyArray<Frontend>): string {
  const lines = [
    '# written by scripts/stack.ts for `pnpm start --replicas`; regenerated at each start',
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  option http-server-close',
    // the client's address, for the replicas' MCP_TRUSTED_PROXIES
    '  option forwardfor',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  timeout http-request 10s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure',
    '',
  ];
  for (const frontend of frontends) {
    lines.push(
      `frontend ${frontend.name}`,
      `  bind 127.0.0.1:${frontend.port}`,
      `  default_backend ${frontend.name}`,
      '',
      `backend ${frontend.name}`,
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  http-check expect status 200',
      // below each replica's MCP_MAX_CONNECTIONS_PER_ADDRESS (256): every connection of a
      // replica comes from this balancer, which queues past 200 instead of being refused
      '  default-server inter 500ms fastinter 250ms downinter 500ms fall 1 rise 1 maxconn 200',
      ...frontend.replicas.map((port, i) => `  server ${frontend.name}${i + 1} 127.0.0.1:${port} check`),
      '',
    );
  }
  return lines.join('\n');
}
