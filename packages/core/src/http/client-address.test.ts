import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createFixtureServer } from '../test-fixtures/fixture-server.ts';
import { serveForTest } from '../testing.ts';
import { clientAddress, isAddressOrRange, resolveClientAddress, trustedProxies } from './client-address.ts';

/** A request as the server sees it: its peer's address and its X-Forwarded-For. */
function incoming(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

function resolved(trusted: string[], peer: string, forwardedFor?: string): string {
  const req = incoming(peer, forwardedFor);
  resolveClientAddress(req, trustedProxies(trusted));
  return clientAddress(req);
}

describe('the client address behind trusted proxies', () => {
  it("takes the rightmost hop that is not a trusted proxy, only on a trusted proxy's connection", () => {
    expect(resolved(['10.0.0.0/8'], '10.0.0.5', '203.0.113.7')).toBe('203.0.113.7');
    // the client wrote the hops on the left: the proxy appended the one it saw
    expect(resolved(['10.0.0.0/8'], '10.0.0.5', '1.1.1.1, 203.0.113.7')).toBe('203.0.113.7');
    // two balancers in a row, both trusted
    expect(resolved(['10.0.0.0/8'], '10.0.0.5', '1.1.1.1, 203.0.113.7, 10.0.0.9')).toBe('203.0.113.7');
    // anyone else's X-Forwarded-For is theirs to write: ignored
    expect(resolved(['10.0.0.0/8'], '198.51.100.1', '203.0.113.7')).toBe('198.51.100.1');
    expect(resolved([], '10.0.0.5', '203.0.113.7')).toBe('10.0.0.5');
    // no header: the proxy's own address
    expect(resolved(['10.0.0.0/8'], '10.0.0.5')).toBe('10.0.0.5');
  });

  it('never lets a malformed hop choose the address, and reads a bounded number of hops', () => {
    expect(resolved(['10.0.0.0/8'], '10.0.0.5', 'evil, 203.0.113.7:443')).toBe('10.0.0.5');
    expect(resolved(['10.0.0.0/8'], '10.0.0.5', '203.0.113.7, not-an-ip, 10.0.0.9')).toBe('10.0.0.9');
    const many = Array.from({ length: 1_000 }, () => '10.1.1.1').join(',');
    expect(resolved(['10.0.0.0/8'], '10.0.0.5', `203.0.113.7,${many}`)).toBe('10.1.1.1');
  });

  it('matches IPv6 ranges and IPv4-mapped IPv6 peers', () => {
    expect(resolved(['127.0.0.1'], '::ffff:127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    expect(resolved(['fd00::/8'], 'fd00::1', '2001:db8::7')).toBe('2001:db8::7');
  });

  it('knows an address or a CIDR range from anything else', () => {
    for (const good of ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0'])
      expect(isAddressOrRange(good), good).toBe(true);
    for (const bad of ['localhost', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0/8', '1.2.3.4/', ''])
      expect(isAddressOrRange(bad), bad).toBe(false);
    expect(() => trustedProxies(['10.0.0.0/8', 'lb.internal'])).toThrow(/lb\.internal/);
  });
});

/** A POST from 127.0.0.1 claiming to forward for `forwardedFor`; its status. */
function ping(url: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'x-forwarded-for': forwardedFor,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

async function statuses(url: string, forwardedFor: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await ping(url, forwardedFor));
  return out;
}

describe('serveHttp behind a balancer (MCP_TRUSTED_PROXIES)', () => {
  it("rate limits anonymous callers by the client's address, not the balancer's", async () => {
    const served = await serveForTest(createFixtureServer(), {
      rateLimit: { rps: 0.01, burst: 2 },
      trustedProxies: ['127.0.0.1'],
    });
    try {
      expect(await statuses(served.url, '203.0.113.7', 3)).toEqual([200, 200, 429]);
      // another client behind the same balancer has its own budget
      expect(await statuses(served.url, '203.0.113.8', 2)).toEqual([200, 200]);
    } finally {
      await served.close();
    }
  });

  it('does not believe X-Forwarded-For from a peer it was not told to trust', async () => {
    const served = await serveForTest(createFixtureServer(), { rateLimit: { rps: 0.01, burst: 2 } });
    try {
      expect(await statuses(served.url, '203.0.113.7', 2)).toEqual([200, 200]);
      // a new claimed address does not buy a new budget
      expect(await statuses(served.url, '203.0.113.8', 1)).toEqual([429]);
    } finally {
      await served.close();
    }
  });

  it("holds the balancer's connections to the total cap only, not the per-address one", async () => {
    const open: Socket[] = [];
    const connected = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(Number(new URL(served.url).port), '127.0.0.1', () => resolve(socket));
        socket.on('error', reject);
        open.push(socket);
      });
    const served = await serveForTest(createFixtureServer(), {
      trustedProxies: ['127.0.0.1'],
      connections: { maxConnectionsPerAddress: 2, maxConnections: 50 },
    });
    try {
      for (let i = 0; i < 5; i++) await connected();
      // a sixth connection from the balancer is still served
      expect(await ping(served.url, '203.0.113.7')).toBe(200);
    } finally {
      for (const socket of open) socket.destroy();
      await served.close();
    }
  });
});
