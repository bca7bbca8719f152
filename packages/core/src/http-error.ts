import { AppError, type ErrorCode } from './errors.ts';

export interface HttpErrorInit {
  method: string;
  /** Without credentials or sensitive query parameters. */
  url: string;
  /** Requests made: 1 plus the retries. */
  attempts: number;
  status?: number;
  bodyExcerpt?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** An outbound call that failed: the code says how (NOT_FOUND, UPSTREAM_TIMEOUT...), the rest where. */
export class HttpError extends AppError {
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  readonly status: number | undefined;
  /** The first 200 characters of the response body. */
  readonly bodyExcerpt: string | undefined;

  constructor(code: ErrorCode, message: string, init: HttpErrorInit) {
    const { method, url, attempts, status } = init;
    super(code, message, {
      cause: init.cause,
      details: { method, url, attempts, ...(status !== undefined && { status }), ...init.details },
    });
    this.name = 'HttpError';
    this.method = method;
    this.url = url;
    this.attempts = attempts;
    this.status = status;
    this.bodyExcerpt = init.bodyExcerpt;
  }
}

/**
 * An upstream answer larger than the client's `maxResponseBytes`: refused, never retried (the same
 * request would bring the same body), and the rest of it never downloaded. Code `UPSTREAM_ERROR`.
 */
export class ResponseTooLargeError extends HttpError {
  /** The limit it passed, in bytes. */
  readonly limitBytes: number;
  /** The Content-Length it declared, when it declared one. */
  readonly declaredBytes: number | undefined;

  constructor(
    message: string,
    init: HttpErrorInit & { limitBytes: number; declaredBytes: number | undefined; receivedBytes: number },
  ) {
    const { limitBytes, declaredBytes, receivedBytes, ...rest } = init;
    super('UPSTREAM_ERROR', message, {
      ...rest,
      details: {
        ...rest.details,
        reason: 'response_too_large',
        limitBytes,
        ...(declaredBytes !== undefined && { declaredBytes }),
        receivedBytes,
        retryable: false,
      },
    });
    this.name = 'ResponseTooLargeError';
    this.limitBytes = limitBytes;
    this.declaredBytes = declaredBytes;
  }
}

const SENSITIVE_PARAMS = new Set(
  'api_key apikey api-key key token access_token refresh_token id_token password secret client_secret signature sig'.split(
    ' ',
  ),
);

/** The URL as it may be logged or shown: no user:pass, no api_key/token/secret-like params. */
export function redactUrl(input: URL | string): string {
  const url = new URL(input);
  url.username = '';
  url.password = '';
  const sensitive = [...url.searchParams.keys()].filter((key) => SENSITIVE_PARAMS.has(key.toLowerCase()));
  for (const key of sensitive) url.searchParams.delete(key);
  return url.href;
}

/** Retry-After as delay-seconds or an HTTP-date (against `now`), in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error code an upstream status maps to. */
export function codeForStatus(status: number): ErrorCode {
  const codes: Record<number, ErrorCode> = {
    400: 'INVALID_INPUT',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    409: 'CONFLICT',
    422: 'INVALID_INPUT',
    429: 'RATE_LIMITED',
  };
  return codes[status] ?? 'UPSTREAM_ERROR';
}
