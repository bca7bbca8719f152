// The hot path's side of tracing: the OpenTelemetry API only (no SDK), and nothing at all while
// tracing is off (one boolean read per request, outbound call or query).
import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

export { SpanKind };

/** The instrumentation scope every span of the stack is reported under. */
export const TRACER_NAME = '@mcp-stack/core';

let active = false;

/** True once `startTracing` registered an SDK (OTEL_EXPORTER_OTLP_ENDPOINT set), until it stops. */
export function tracingActive(): boolean {
  return active;
}

/** For `startTracing` (setup.ts) only. */
export function setTracingActive(on: boolean): void {
  active = on;
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

export interface SpanStart {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  /** Default: the active context (the span of the request being served, if any). */
  parent?: Context;
}

/**
 * Runs `fn` inside a new span, made the active one so what `fn` starts becomes its children. A
 * throw ends the span with error status and `error.type` (the error's code, else its class name),
 * never its message (it may hold data). Callers check `tracingActive()` first.
 */
export async function inSpan<T>(start: SpanStart, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = start.parent ?? context.active();
  const span = tracer().startSpan(start.name, { kind: start.kind, attributes: start.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    markError(span, errorType(error));
    throw error;
  } finally {
    span.end();
  }
}

/** Error status with `error.type` (low cardinality: a code or class name, never a message). */
export function markError(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** A thrown value's code (`AppError`, `HttpError`, `ProtocolError`), else its class name. */
export function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
  }
  return '_OTHER';
}
