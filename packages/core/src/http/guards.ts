import type { IncomingMessage } from 'node:http';

/** What a request to the MCP path is checked against before anything else runs. */
export interface GuardOptions {
  /** Host headers accepted (`host:port`, lowercase). */
  allowedHosts: ReadonlySet<string>;
  /** Origins accepted (`scheme://host[:port]`, lowercase). */
  allowedOrigins: ReadonlySet<string>;
  /** Accept loopback Origins (a local web app on this machine); true when bound to loopback. */
  allowLoopbackOrigins: boolean;
}

/** A refusal: the status and the message for the JSON-RPC error body. */
export interface Refusal {
  status: 400 | 403 | 406 | 415;
  message: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The contract's default Host allow-list: localhost, 127.0.0.1 and [::1], and the bound host,
 * each with the port. A wildcard bind (0.0.0.0, ::) adds nothing: name the public hosts in
 * MCP_ALLOWED_HOSTS.
 */
export function defaultAllowedHosts(boundHost: string, port: number): string[] {
  const names = new Set(LOOPBACK_NAMES);
  if (boundHost !== '0.0.0.0' && boundHost !== '::')
    names.add(boundHost.includes(':') ? `[${boundHost}]` : boundHost);
  return [...names].map((name) => `${name.toLowerCase()}:${port}`);
}

export function guardOptions(input: {
  host: string;
  port: number;
  allowedHosts?: ReadonlyArray<string> | undefined;
  allowedOrigins?: ReadonlyArray<string> | undefined;
}): GuardOptions {
  const hosts = input.allowedHosts?.length ? input.allowedHosts : defaultAllowedHosts(input.host, input.port);
  return {
    allowedHosts: new Set(hosts.map((h) => h.toLowerCase())),
    allowedOrigins: new Set((input.allowedOrigins ?? []).map((o) => o.toLowerCase().replace(/\/+$/, ''))),
    allowLoopbackOrigins: isLoopbackHost(input.host),
  };
}

/**
 * DNS-rebinding protection (Host, then Origin), then what a POST must carry: a JSON content type.
 * The protocol version is checked once the body is read, where the era is decided (era.ts).
 * Undefined when the request may pass.
 */
export function checkRequest(req: IncomingMessage, options: GuardOptions): Refusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!options.allowedHosts.has(host)) {
    return {
      status: 403,
      message: `Host ${host || '(none)'} is not allowed; set MCP_ALLOWED_HOSTS to serve it`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(origin, options)) {
    return { status: 403, message: `Origin ${origin} is not allowed; set MCP_ALLOWED_ORIGINS to accept it` };
  }
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, message: `Content-Type must be application/json, got ${type || 'none'}` };
    }
  }
  return undefined;
}

function originAllowed(origin: string, options: GuardOptions): boolean {
  const normalized = origin.toLowerCase();
  if (options.allowedOrigins.has(normalized)) return true;
  if (!options.allowLoopbackOrigins) return false;
  const parsed = URL.parse(normalized);
  return (
    parsed !== null &&
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    isLoopbackHost(parsed.hostname)
  );
}
