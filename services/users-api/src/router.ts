import type { z } from 'zod';
import { ApiProblem } from './problems.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a handler answers: a status, a JSON body (none for 204) and headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

type Out<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : undefined;

/** One route: where it is, what it takes (zod), what it answers (documented), and its handler. */
export interface RouteSpec<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
> {
  method: Method;
  /** OpenAPI style: `/users/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** No API key needed (health). */
  public?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  handle: (input: { params: Out<P>; query: Out<Q>; body: Out<B> }) => Promise<Reply> | Reply;
}

/** A route whose types `defineRoute` checked, stored without them. */
export interface AnyRoute {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  public?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  handle: (input: { params: unknown; query: unknown; body: unknown }) => Promise<Reply> | Reply;
}

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(route: RouteSpec<P, Q, B>): AnyRoute {
  return route as unknown as AnyRoute;
}

export type Match =
  | { kind: 'found'; route: AnyRoute; params: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: Method[] };

interface Compiled {
  route: AnyRoute;
  pattern: RegExp;
  names: string[];
}

/**
 * Matches a method and path against the routes. A literal segment beats a parameter
 * (`/users/register` is not `/users/{id}`), and a known path with another method is 405.
 */
export function createRouter(routes: ReadonlyArray<AnyRoute>): (method: string, pathname: string) => Match {
  const compiled = routes.map(compile);
  return (method, pathname) => {
    const candidates: Array<{ entry: Compiled; values: string[] }> = [];
    for (const entry of compiled) {
      const found = entry.pattern.exec(pathname);
      if (found) candidates.push({ entry, values: found.slice(1) });
    }
    if (!candidates.length) return { kind: 'not-found' };
    const fewest = Math.min(...candidates.map((c) => c.entry.names.length));
    const best = candidates.filter((c) => c.entry.names.length === fewest);
    const hit = best.find((c) => c.entry.route.method === method);
    if (!hit) return { kind: 'method-not-allowed', allow: best.map((c) => c.entry.route.method) };
    const params = Object.fromEntries(
      hit.entry.names.map((name, i) => [name, safeDecode(hit.values[i] ?? '')]),
    );
    return { kind: 'found', route: hit.entry.route, params };
  };
}

function compile(route: AnyRoute): Compiled {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ApiProblem(400, 'INVALID_INPUT', 'the path is not valid percent-encoding');
  }
}
