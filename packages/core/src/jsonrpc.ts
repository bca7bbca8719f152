/** JSON-RPC 2.0 message helpers shared by every transport (stdio, the HTTP fast path, sessions). */

export type RequestId = string | number;

/** The id of something that looks like a request, so its error can be matched to it. */
export function requestIdOf(value: unknown): RequestId | null {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const id = (value as { id?: unknown }).id;
    if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  }
  return null;
}

/**
 * The id to answer a refused message with: a request's own, none (null) for anything else, since
 * a response or a notification must never be answered as if it were a request.
 */
export function refusalIdOf(value: unknown): RequestId | null {
  return value !== null && typeof value === 'object' && 'method' in value ? requestIdOf(value) : null;
}

/** A result response as JSON text, built without a second object around the result. */
export function resultResponse(id: RequestId, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}`;
}

/** `params._meta` of a request, when it is an object. */
export function metaOf(params: unknown): Record<string, unknown> | undefined {
  if (params === null || typeof params !== 'object') return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta)
    ? (meta as Record<string, unknown>)
    : undefined;
}
