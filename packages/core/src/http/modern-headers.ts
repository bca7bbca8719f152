import type { IncomingHttpHeaders } from 'node:http';
import { protocolError } from '../protocol-error.ts';
import type { HeaderParam } from '../tables/tools.ts';

/**
 * Which body field `Mcp-Name` mirrors, per method (basic/transports/streamable-http.mdx; the
 * tasks extension adds its methods' `taskId`).
 */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri' | 'taskId'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
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

/**
 * A tools/call's `Mcp-Param-{Name}` headers against its arguments, for each parameter its tool
 * marks with `x-mcp-header`: a value in the body needs its header, decoded equal to it (numbers
 * compared as numbers); no value, no header expected (-32020 otherwise, HTTP 400).
 */
export function checkParamHeaders(
  headers: IncomingHttpHeaders,
  params: ReadonlyArray<HeaderParam>,
  args: unknown,
): void {
  for (const { header, path } of params) {
    let value: unknown = args;
    for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
    const name = `Mcp-Param-${header}`;
    const raw = headers[name.toLowerCase()];
    if (value === undefined || value === null) continue;
    if (typeof raw !== 'string')
      throw mismatch(`the ${name} header is missing (the body sets ${path.join('.')})`);
    const decoded = decodeHeaderValue(raw.trim());
    if (decoded === undefined)
      throw mismatch(`the ${name} header is not a valid value (bad characters or Base64)`);
    const same =
      typeof value === 'number'
        ? decoded.trim() !== '' && Number(decoded) === value
        : decoded === String(value);
    if (!same) throw mismatch(`${name} ${JSON.stringify(decoded)} differs from the body's ${path.join('.')}`);
  }
}

function mismatch(what: string) {
  return protocolError('HeaderMismatch', `header mismatch: ${what}`);
}
