// A CLIENT span per outbound HTTP attempt (http-client.ts): OpenTelemetry's HTTP client
// conventions; a retry is a span of its own with `http.request.resend_count`.
import type { Span } from '@opentelemetry/api';
import type { SpanStart } from './spans.ts';
import { errorType, markError, SpanKind } from './spans.ts';

/** The span of attempt `attempt` (1-based). `url.full` has no query and no user info: no secrets. */
export function httpClientSpan(method: string, url: URL, attempt: number): SpanStart {
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {
    name: method,
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'server.address': url.hostname,
      'server.port': port,
      'url.full': `${url.origin}${url.pathname}`,
      ...(attempt > 1 && { 'http.request.resend_count': attempt - 1 }),
    },
  };
}

export type AttemptOutcome =
  | { kind: 'response'; status: number }
  | { kind: 'tooLarge'; status: number }
  | { kind: 'failed'; timedOut: boolean; error: unknown };

/** Status code, and error status for a 4xx/5xx, a timeout, a failure to connect or a body too large. */
export function recordHttpOutcome(span: Span, outcome: AttemptOutcome): void {
  if (outcome.kind === 'failed') {
    markError(span, outcome.timedOut ? 'timeout' : failureType(outcome.error));
    return;
  }
  span.setAttribute('http.response.status_code', outcome.status);
  if (outcome.kind === 'tooLarge') markError(span, 'response_too_large');
  else if (outcome.status >= 400) markError(span, String(outcome.status));
}

/** fetch's `TypeError: fetch failed` says little; its cause's code (ECONNREFUSED) says what. */
function failureType(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : errorType(error);
}
