import { type LoggingLevel, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { metaOf } from './jsonrpc.ts';
import type { Era } from './methods.ts';
import { protocolError } from './protocol-error.ts';

/**
 * The two protocol eras a server speaks at once (basic/versioning.mdx). Modern (2026-07-28):
 * every request carries its version and the client's capabilities in `_meta` and is served
 * statelessly. Legacy (2025-11-25 and earlier): an `initialize` handshake opens a stdio
 * connection or an HTTP session, and the SDK v1 answers it.
 */
export const MODERN_PROTOCOL_VERSIONS: ReadonlyArray<string> = ['2026-07-28'];
export const LEGACY_PROTOCOL_VERSIONS: ReadonlyArray<string> = SUPPORTED_PROTOCOL_VERSIONS;
/** What `server/discover` lists: both eras, newest first. */
export const SUPPORTED_VERSIONS: ReadonlyArray<string> = [
  ...MODERN_PROTOCOL_VERSIONS,
  ...LEGACY_PROTOCOL_VERSIONS,
];

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
} as const;

export const LOG_LEVELS: ReadonlyArray<LoggingLevel> = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** What a modern request said about itself in `_meta`, once checked. */
export interface ModernMeta {
  version: string;
  clientCapabilities: Record<string, unknown>;
  /** Absent: the request gets no `notifications/message` at all. */
  logLevel?: LoggingLevel | undefined;
}

/**
 * The era of one request, from its body first (a `_meta` protocol version claims the modern
 * era) and the `MCP-Protocol-Version` header second (HTTP: a modern version there makes a
 * request without the claim a malformed modern one, answered -32602, not a legacy one). A
 * `server/discover` is modern: only the modern era has it.
 */
export function eraOf(method: string, params: unknown, headerVersion?: string): Era {
  const meta = metaOf(params);
  if (meta !== undefined && META.protocolVersion in meta) return 'modern';
  if (headerVersion !== undefined && !LEGACY_PROTOCOL_VERSIONS.includes(headerVersion)) return 'modern';
  return method === 'server/discover' ? 'modern' : 'legacy';
}

/**
 * A modern request's `_meta` checked (basic/index.mdx): the version and capabilities must be
 * there (-32602), a version header must equal the `_meta` version (-32020, HTTP only), and the
 * version must be one this server speaks in the modern era (-32022 listing the ones it does).
 */
export function readModernMeta(params: unknown, headerVersion?: string): ModernMeta {
  const meta = metaOf(params);
  const version = meta?.[META.protocolVersion];
  if (typeof version !== 'string') {
    // a header naming a version nobody speaks, on a request without the claim: say what is spoken
    if (headerVersion !== undefined && !MODERN_PROTOCOL_VERSIONS.includes(headerVersion))
      throw unsupportedVersion(headerVersion);
    throw protocolError(
      'InvalidParams',
      `invalid params: _meta["${META.protocolVersion}"] is required (a string, such as "${MODERN_PROTOCOL_VERSIONS[0]}")`,
    );
  }
  if (headerVersion !== undefined && headerVersion !== version) {
    throw protocolError(
      'HeaderMismatch',
      `header mismatch: MCP-Protocol-Version ${headerVersion} differs from _meta["${META.protocolVersion}"] ${version}`,
    );
  }
  if (!MODERN_PROTOCOL_VERSIONS.includes(version)) throw unsupportedVersion(version);
  const capabilities = meta?.[META.clientCapabilities];
  if (capabilities === null || typeof capabilities !== 'object' || Array.isArray(capabilities)) {
    throw protocolError(
      'InvalidParams',
      `invalid params: _meta["${META.clientCapabilities}"] is required (an object; {} declares none)`,
    );
  }
  const logLevel = meta?.[META.logLevel];
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LoggingLevel)) {
    throw protocolError(
      'InvalidParams',
      `invalid params: unknown _meta["${META.logLevel}"] ${JSON.stringify(logLevel)}; expected one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return {
    version,
    clientCapabilities: capabilities as Record<string, unknown>,
    logLevel: logLevel as LoggingLevel | undefined,
  };
}

/**
 * -32022 naming the modern versions: a client that gets it retries with one of them. The
 * legacy versions are not listed here, though `server/discover` lists them: a legacy version is
 * reached through `initialize`, never through `_meta`.
 */
export function unsupportedVersion(requested: string) {
  return protocolError(
    'UnsupportedProtocolVersion',
    `unsupported protocol version ${requested}; supported: ${MODERN_PROTOCOL_VERSIONS.join(', ')} (per request), ${LEGACY_PROTOCOL_VERSIONS.join(', ')} (through initialize)`,
    { supported: [...MODERN_PROTOCOL_VERSIONS], requested },
  );
}
