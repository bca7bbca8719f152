// W3C trace context in: a request's `_meta` (the 2026-07-28 convention) or its HTTP headers.
// Out: the headers of an outbound request. The propagator is the one the SDK registered
// (sdk.ts: W3C TraceContext and Baggage); without one the API's no-op answers.
import { type Context, context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

/** Longer values are not read: a version-00 traceparent is 55 characters, W3C caps tracestate at 512. */
const MAX_LENGTH = { traceparent: 128, tracestate: 512, baggage: 8192 } as const;
const KEYS = ['traceparent', 'tracestate', 'baggage'] as const;

/** The trace context a transport saw outside the JSON-RPC message (HTTP headers). */
export interface TraceCarrier {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  baggage?: string | undefined;
}

const getter = {
  keys: (carrier: TraceCarrier) => KEYS.filter((key) => carrier[key] !== undefined),
  get: (carrier: TraceCarrier, key: string) => carrier[key as keyof TraceCarrier],
};

/** The string values of `source` the propagator may read, within their length bounds. */
export function carrierOf(source: unknown): TraceCarrier | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const record = source as Record<string, unknown>;
  const carrier: TraceCarrier = {};
  let found = false;
  for (const key of KEYS) {
    const value = record[key];
    if (typeof value !== 'string' || value.length > MAX_LENGTH[key]) continue;
    carrier[key] = value;
    found = true;
  }
  return found ? carrier : undefined;
}

/**
 * The parent of a request's server span: the `_meta` trace context when it holds a valid one,
 * else the HTTP headers', else none (a new trace). A malformed value is ignored, never an error.
 */
export function parentContext(meta: unknown, headers: TraceCarrier | undefined): Context {
  for (const carrier of [carrierOf(meta), headers]) {
    if (!carrier?.traceparent) continue;
    const extracted = propagation.extract(ROOT_CONTEXT, carrier, getter);
    if (trace.getSpanContext(extracted)) return extracted;
  }
  return ROOT_CONTEXT;
}

/** Adds the active span's `traceparent` (and `tracestate`, baggage) to outbound headers. */
export function injectInto(headers: Headers): void {
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}
