import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mcp-stack/core';
import { silentLogger } from '@mcp-stack/core';
import type { z } from 'zod';
import { apiKeyCheck } from './api-key.ts';
import { readJsonBody } from './body.ts';
import type { Db } from './database.ts';
import { buildOpenApi } from './openapi.ts';
import { createPasswordHasher, type PasswordHasher, type ScryptParams } from './passwords.ts';
import { ApiProblem, invalid, sendJson, sendProblem, toProblem } from './problems.ts';
import { createUsersRepository } from './repository.ts';
import { type AnyRoute, createRouter } from './router.ts';
import { createRoutes } from './routes.ts';
import { createUsersService } from './service.ts';
import { VERSION } from './version.ts';

export interface UsersApiOptions {
  /** An open database (see openDatabase). */
  db: Db;
  logger?: Logger;
  /** When set, every route but /healthz needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** Largest request body (default 16 KiB): 413 beyond. */
  maxBodyBytes?: number;
  /** Cost of new password hashes (default DEFAULT_SCRYPT); or a whole hasher. */
  scrypt?: ScryptParams;
  passwords?: PasswordHasher;
  /** The clock for created_at. */
  now?: () => Date;
}

export interface UsersApi {
  /** A plain Node request handler: `http.createServer(api.handler)`. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  routes: ReadonlyArray<AnyRoute>;
  openapi: Record<string, unknown>;
}

/** The users REST API as a request handler over a database; nothing listens until you mount it. */
export function createUsersApi(options: UsersApiOptions): UsersApi {
  const logger = options.logger ?? silentLogger();
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  const repository = createUsersRepository(options.db, options.now ? { now: options.now } : {});
  const passwords =
    options.passwords ?? createPasswordHasher(options.scrypt ? { params: options.scrypt } : {});
  const service = createUsersService({ repository, passwords });
  const routes = createRoutes({ service, ping: () => repository.ping(), openapi: () => openapi });
  const openapi = buildOpenApi(routes, { title: 'users-api', version: VERSION });
  const match = createRouter(routes);
  const authorize = apiKeyCheck(options.apiKey);
  const logError = (ref: string, error: unknown) => logger.error({ ref, err: error }, 'internal error');

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://users-api.invalid');
    const found = match(req.method ?? 'GET', url.pathname);
    if (!(found.kind === 'found' && found.route.public)) authorize(req);
    if (found.kind === 'not-found') {
      throw new ApiProblem(404, 'NOT_FOUND', `no route ${url.pathname}; see /openapi.json`);
    }
    if (found.kind === 'method-not-allowed') {
      throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`, {
        headers: { allow: found.allow.join(', ') },
      });
    }
    const { route } = found;
    const params = parse(route.params, found.params, 400, 'path');
    const query = parse(route.query, Object.fromEntries(url.searchParams), 400, 'query');
    const body = route.body
      ? parse(route.body, await readJsonBody(req, maxBodyBytes), 422, 'body')
      : undefined;
    if (!route.body) req.resume();
    const reply = await route.handle({ params, query, body });
    sendJson(res, reply.status, reply.body, reply.headers);
    return reply.status;
  }

  return {
    routes,
    openapi,
    handler(req, res) {
      const started = performance.now();
      const done = (status: number) =>
        logger.info(
          {
            method: req.method,
            path: (req.url ?? '/').split('?', 1)[0],
            status,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      serve(req, res).then(done, (error: unknown) => {
        const problem = toProblem(error, logError);
        if (res.headersSent) res.destroy();
        else sendProblem(res, problem);
        done(problem.status);
      });
    },
  };
}

function parse(schema: z.ZodType | undefined, value: unknown, status: 400 | 422, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(status, result.error.issues, where);
  return result.data;
}
