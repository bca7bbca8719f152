import type { IncomingHttpHeaders } from 'node:http';
import { protocolError } from '../protocol-error.ts';

/** Which body field `Mcp-Name` mirrors, per method (basic/transports/streamable-http.mdx). */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEADER_SAFE = /^[\x20-\x7e\t]*$/;

/**
 * A header value as the client meant it: `=?base64?…?=` decoded (UTF-8), anything else as sent.
 * Undefined when the value is not a valid header value or not valid Base64.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!HEADER_SAFE.test(value)) return undefined;
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  const encoded = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!BASE64.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * The modern era's HTTP header rules, after `readModernMeta` checked the version header against
 * `_meta`: `MCP-Protocol-Version` and `Mcp-Method` on every request, `Mcp-Name` on tools/call,
 * prompts/get and resources/read, each equal to the body (-32020, HTTP 400), so a gateway that
 * routes on the headers and this server that acts on the body cannot be told different things.
 */
export function checkModernHeaders(headers: IncomingHttpHeaders, method: string, params: unknown): void {
  if (headers['mcp-protocol-version'] === undefined)
    throw mismatch('the MCP-Protocol-Version header is missing');
  const methodHeader = headers['mcp-method'];
  if (methodHeader === undefined)
    throw mismatch(`the Mcp-Method header is missing (the body calls ${method})`);
  if (methodHeader !== method)
    throw mismatch(`Mcp-Method ${JSON.stringify(methodHeader)} differs from the body's method ${method}`);
  const source = NAME_SOURCE[method];
  if (source === undefined) return;
  const value = (params as Record<string, unknown> | undefined)?.[source];
  const nameHeader = headers['mcp-name'];
  if (typeof nameHeader !== 'string') {
    if (typeof value === 'string')
      throw mismatch(`the Mcp-Name header is missing (the body's ${source} is set)`);
    return;
  }
  const decoded = decodeHeaderValue(nameHeader.trim());
  if (decoded === undefined)
    throw mismatch('the Mcp-Name header is not a valid value (bad characters or Base64)');
  if (typeof value === 'string' && decoded !== value)
    throw mismatch(
      `Mcp-Name ${JSON.stringify(decoded)} differs from the body's ${source} ${JSON.stringify(value)}`,
    );
}

function mismatch(what: string) {
  return protocolError('HeaderMismatch', `header mismatch: ${what}`);
}
