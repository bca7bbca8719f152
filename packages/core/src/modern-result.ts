import { META } from './era.ts';

/**
 * Cache hints (server/utilities/caching.mdx) for each cacheable method, in milliseconds.
 * What comes from the definition (capabilities, the tool, prompt and template lists) only
 * changes when the server is redeployed: fresh for five minutes, which bounds how long a client
 * keeps a list after a deploy. Resources are read from live data (a clock, a database row, a
 * page of customers), so their list and their reads are stale at once.
 */
export const CACHE_TTL_MS: ReadonlyMap<string, number> = new Map([
  ['server/discover', 300_000],
  ['tools/list', 300_000],
  ['prompts/list', 300_000],
  ['resources/templates/list', 300_000],
  ['resources/list', 0],
  ['resources/read', 0],
]);

export type CacheScope = 'public' | 'private';

/**
 * A result as the modern era sends it: `resultType`, the server's identity in `_meta`, and the
 * cache hints on the cacheable methods. The scope is `private` whenever the caller was
 * authenticated: an answer behind auth may depend on who asks (their scopes, their data), and a
 * shared cache must not hand it to another token; without auth (stdio, loopback) it is `public`.
 */
export function modernResult(
  method: string,
  result: unknown,
  serverInfo: Readonly<Record<string, unknown>>,
  scope: CacheScope,
): Record<string, unknown> {
  const body = result as Record<string, unknown>;
  const ttlMs = CACHE_TTL_MS.get(method);
  const meta = body._meta as Record<string, unknown> | undefined;
  return {
    ...body,
    resultType: 'complete',
    ...(ttlMs !== undefined && { ttlMs, cacheScope: scope }),
    _meta: meta ? { ...meta, [META.serverInfo]: serverInfo } : { [META.serverInfo]: serverInfo },
  };
}
