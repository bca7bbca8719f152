import type { IncomingMessage } from 'node:http';
import type { ServerTables } from '../dispatch.ts';
import {
  eraOf,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  type ModernMeta,
  readModernMeta,
  unsupportedVersion,
} from '../era.ts';
import { checkParams } from '../methods.ts';
import { type ProtocolError, protocolError, RPC_ERROR } from '../protocol-error.ts';
import { checkModernHeaders, checkParamHeaders } from './modern-headers.ts';

/**
 * What the HTTP fast path does differently for a modern-era request (2026-07-28): its checks
 * before the call, and the HTTP status of its errors. The call itself is the tables', as in the
 * legacy era.
 */

/** Whether `body` is a request of the modern era (the rest of a --stateful server's traffic is the sessions'). */
export function isModernRequest(body: unknown, req: IncomingMessage): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const { method, id, params } = body as { method?: unknown; id?: unknown; params?: unknown };
  if (typeof method !== 'string' || id === undefined) return false;
  return eraOf(method, params, req.headers['mcp-protocol-version'] as string | undefined) === 'modern';
}

/**
 * A modern request checked before the call: `_meta` (era.ts), the headers mirroring the body,
 * a tool's `Mcp-Param-*` headers, then the method and its params (-32601 for one this era lacks).
 */
export function checkModernRequest(
  req: IncomingMessage,
  tables: ServerTables,
  method: string,
  rawParams: unknown,
  headerVersion: string | undefined,
): { meta: ModernMeta; params: Record<string, unknown> | undefined } {
  const meta = readModernMeta(rawParams, headerVersion);
  checkModernHeaders(req.headers, method, rawParams);
  if (method === 'tools/call') {
    const { name, arguments: args } = (rawParams ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof name === 'string') checkParamHeaders(req.headers, tables.toolHeaders(name), args);
  }
  return { meta, params: checkParams(method, rawParams, 'modern') };
}

/**
 * A GET or DELETE from a modern client: 405 (the GET stream and session DELETE are gone from the
 * modern era, streamable-http.mdx), or 400 -32022 for a version nobody speaks. Undefined for a
 * legacy one, which goes on as before.
 */
export function modernBodylessRefusal(
  req: IncomingMessage,
): { status: 400 | 405; error: ProtocolError } | undefined {
  const version = req.headers['mcp-protocol-version'] as string | undefined;
  if (version === undefined || LEGACY_PROTOCOL_VERSIONS.includes(version)) return undefined;
  if (!MODERN_PROTOCOL_VERSIONS.includes(version)) return { status: 400, error: unsupportedVersion(version) };
  return {
    status: 405,
    error: protocolError('InvalidRequest', `${req.method} is not part of MCP ${version}: POST each request`),
  };
}

/**
 * The HTTP status of a modern-era error: 404 for a method this era lacks, 400 for the protocol
 * faults (-32020, -32021, -32022); `fallback` otherwise (400 before the call, 200 from it: an
 * error the call itself gave, such as an unknown tool or resource, travels in the body).
 */
export function modernStatus(error: ProtocolError, fallback: 200 | 400): number {
  if (error.code === RPC_ERROR.MethodNotFound) return 404;
  if (
    error.code === RPC_ERROR.HeaderMismatch ||
    error.code === RPC_ERROR.MissingRequiredClientCapability ||
    error.code === RPC_ERROR.UnsupportedProtocolVersion
  )
    return 400;
  return fallback;
}
