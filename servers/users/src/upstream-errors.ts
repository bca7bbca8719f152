import { AppError, HttpError, ResponseTooLargeError } from '@mcp-stack/core';

/** The `{ error: { code, field?, message } }` body of an API refusal, as far as it can be read. */
export interface ApiRefusal {
  code?: string;
  field?: string;
  message?: string;
}

/** What a failed call was about, for the message. */
export interface CallContext {
  /** The API's base URL (no credentials): named only for the operator (`/readyz`), never to a client. */
  apiUrl: string;
  /** Name the URL in the message: only for the readiness check, which an operator reads. */
  showUrl?: boolean;
  /** The user the call was about, when there was one. */
  userId?: number;
}

/**
 * An upstream failure as an error an agent can act on: `NOT_FOUND: no user with id 42`,
 * `CONFLICT: username alice is taken`, `INVALID_INPUT: email: expected an email address...`,
 * `UPSTREAM_ERROR: the users API is unavailable (tried 3 times)`. The API's address is the
 * operator's business: core logs the whole error (URL, status, cause) under a ref the client gets.
 * Anything that is not an HttpError (a full queue, a cancellation, a bug) is returned as it is.
 */
export function upstreamError(error: unknown, context: CallContext): unknown {
  if (!(error instanceof HttpError)) return error;
  const api = context.showUrl ? `users API at ${context.apiUrl}` : 'the users API';
  const tried = `(tried ${error.attempts} time${error.attempts === 1 ? '' : 's'})`;
  const retryAfterMs = error.details?.retryAfterMs;
  const where = {
    details: {
      status: error.status,
      attempts: error.attempts,
      ...(typeof retryAfterMs === 'number' && { retryAfterMs }),
    },
    cause: error,
  };
  const path = pathOf(error.url);
  const refusal = readRefusal(error.bodyExcerpt);
  const field = refusal.field;
  if (error instanceof ResponseTooLargeError) {
    // not the agent's doing, and the same call would bring the same answer: say so, and where
    return new AppError(
      'UPSTREAM_ERROR',
      `${api} answered ${error.method} ${path} with more than ${error.limitBytes} bytes (USERS_API_MAX_RESPONSE_BYTES); the answer was refused unread`,
      { ...where, details: { ...where.details, retryable: false } },
    );
  }
  const withField = (extra: Record<string, unknown>) => ({
    ...where,
    details: { ...where.details, ...extra },
  });
  switch (error.code) {
    case 'NOT_FOUND':
      if (refusal.code === 'NOT_FOUND' && context.userId !== undefined)
        return new AppError(
          'NOT_FOUND',
          `no user with id ${context.userId}`,
          withField({ field: 'user_id' }),
        );
      // a 404 that is not about a user: the URL probably points at something else
      return new AppError(
        'UPSTREAM_ERROR',
        `${api} answered 404 for ${error.method} ${path}: check USERS_API_URL`,
        { ...where, details: { ...where.details, retryable: false } },
      );
    case 'CONFLICT':
      return new AppError(
        'CONFLICT',
        refusal.message ?? `${field ?? 'a value'} is taken`,
        withField({ field }),
      );
    case 'INVALID_INPUT': {
      const message = refusal.message ?? 'the users API refused the input';
      const named = field && !message.startsWith(`${field}:`) ? `${field}: ${message}` : message;
      return new AppError('INVALID_INPUT', named, withField({ field }));
    }
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return new AppError(
        'UPSTREAM_ERROR',
        `${api} refused this server's credentials (${error.status}): set USERS_API_KEY to the key the API expects`,
        { ...where, details: { ...where.details, retryable: false } },
      );
    case 'RATE_LIMITED':
      return new AppError('RATE_LIMITED', `${api} is rate limiting calls: retry later ${tried}`, where);
    case 'UPSTREAM_TIMEOUT':
      return new AppError(
        'UPSTREAM_TIMEOUT',
        `${api} did not answer in time ${tried}${mayHaveApplied(error)}`,
        where,
      );
    case 'UPSTREAM_ERROR':
      if (error.status !== undefined && error.status < 500 && error.status >= 200) {
        // answered, but not with what the contract says (a body that does not match, say)
        return new AppError(
          'UPSTREAM_ERROR',
          `${api}: ${error.message.replace(error.url, context.showUrl ? error.url : path)}`,
          { ...where, details: { ...where.details, retryable: false } },
        );
      }
      return new AppError('UPSTREAM_ERROR', `${api} is unavailable ${tried}${mayHaveApplied(error)}`, where);
    default:
      return error;
  }
}

/** The path and query of a URL, without its origin. */
function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return '';
  }
}

/**
 * For a change that got no answer at all (a timeout, a connection lost after it was sent): the
 * API may have made it, so the agent should look before sending it again, or a retried
 * registration meets its own CONFLICT. Not for reads, answered errors, or a connection refused
 * (nothing was sent).
 */
function mayHaveApplied(error: HttpError): string {
  if (error.method === 'GET' || error.status !== undefined || neverConnected(error)) return '';
  return '; the change may have been made before the connection was lost: check with get_user or list_users before sending it again';
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function neverConnected(error: Error): boolean {
  for (let cause: unknown = error.cause; cause instanceof Object; cause = (cause as Error).cause) {
    if (NOT_SENT.has(String((cause as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * The API's error body. Core keeps only its first 200 characters, so a long one may be cut: then
 * the fields are read one by one (the API writes `field` before `message` for this reason).
 */
export function readRefusal(excerpt: string | undefined): ApiRefusal {
  if (!excerpt) return {};
  try {
    const parsed = JSON.parse(excerpt) as { error?: Record<string, unknown> };
    if (parsed?.error && typeof parsed.error === 'object') return pick(parsed.error);
  } catch {
    // cut short: read what is there
  }
  const read = (key: string) => new RegExp(`"${key}":"((?:[^"\\\\]|\\\\.)*)("|$)`).exec(excerpt);
  const text = (key: string) => {
    const found = read(key);
    if (!found) return undefined;
    const value = safeString(found[1] ?? '');
    return found[2] === '"' ? value : `${value}…`;
  };
  return pick({ code: text('code'), field: text('field'), message: text('message') });
}

function pick(value: Record<string, unknown>): ApiRefusal {
  const out: ApiRefusal = {};
  for (const key of ['code', 'field', 'message'] as const) {
    const item = value[key];
    if (typeof item === 'string' && item !== '') out[key] = item;
  }
  return out;
}

function safeString(escaped: string): string {
  try {
    return JSON.parse(`"${escaped}"`) as string;
  } catch {
    return escaped.replace(/\\+$/, '');
  }
}
