// The client's address behind a load balancer (MCP_TRUSTED_PROXIES). Anonymous callers are rate
// limited, and hold sessions and listens, by address; behind HAProxy or an ingress every request
// comes from the balancer's address, so without this they would all share one budget. The
// balancer's X-Forwarded-For is believed only when the connection comes from an address the
// operator listed: anyone else could write any address there.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** X-Forwarded-For hops looked at, from the right, at most: a header of thousands costs no more. */
const MAX_HOPS = 16;

const RESOLVED = new WeakMap<IncomingMessage, string>();

/** The client's address: the one `resolveClientAddress` found behind a trusted proxy, else the peer's. */
export function clientAddress(req: IncomingMessage): string {
  return RESOLVED.get(req) ?? req.socket.remoteAddress ?? 'unknown';
}

/** Whether `address` parses as IPv4 or IPv6, or as a CIDR range of either. */
export function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export interface TrustedProxies {
  has(address: string): boolean;
}

/**
 * The addresses and CIDR ranges (`10.0.0.0/8`, `::1`) of the balancers in front of this server.
 * node:net's BlockList matches IPv4-mapped IPv6 peers (`::ffff:10.0.0.5`) to IPv4 ranges too.
 */
export function trustedProxies(entries: ReadonlyArray<string>): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    if (!isAddressOrRange(entry))
      throw new Error(`not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return { has: (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4') };
}

/**
 * When the request came from a trusted proxy: its client is the rightmost X-Forwarded-For hop
 * that is not itself a trusted proxy (hops to the left of it were written by the client, and
 * prove nothing). A hop that is not a bare address stops the walk at the last trusted one, so a
 * malformed header never lets a client choose its address, it only leaves it sharing the
 * proxy's. Requests from anywhere else keep their peer's address.
 */
export function resolveClientAddress(req: IncomingMessage, trusted: TrustedProxies): void {
  const peer = req.socket.remoteAddress;
  const header = req.headers['x-forwarded-for'];
  if (!peer || !header || !trusted.has(peer)) return;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0 && i >= hops.length - MAX_HOPS; i--) {
    const hop = (hops[i] as string).trim();
    if (isIP(hop) === 0) break;
    client = hop;
    if (!trusted.has(hop)) break;
  }
  RESOLVED.set(req, client);
}
