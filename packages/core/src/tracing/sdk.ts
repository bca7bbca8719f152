// The OpenTelemetry SDK, loaded by setup.ts only when an OTLP endpoint is set. Registers a tracer
// provider (batched OTLP/HTTP JSON export, bounded queue), the async-hooks context manager, and
// the W3C TraceContext + Baggage propagators.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  parseKeyPairsIntoRecord,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Env } from '../config.ts';
import type { Logger } from '../logger.ts';

export interface SdkOptions {
  serviceName: string;
  serviceVersion?: string | undefined;
  env: Env;
  logger: Logger;
}

/** Registers the SDK globally; returns what flushes and stops it within a time bound. */
export function registerSdk(options: SdkOptions): (timeoutMs: number) => Promise<void> {
  const { env, logger } = options;
  // OTLP/HTTP with JSON bodies unless protobuf is asked for (grpc is refused at start, cli-options.ts)
  const Exporter = otlpProtocol(env) === 'http/protobuf' ? OTLPProtobufTraceExporter : OTLPTraceExporter;
  const exporter = new Exporter(exporterOptions(env));
  const processor = new BatchSpanProcessor({
    exporter,
    maxQueueSize: int(env.OTEL_BSP_MAX_QUEUE_SIZE, 2048),
    maxExportBatchSize: int(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512),
    scheduledDelayMillis: int(env.OTEL_BSP_SCHEDULE_DELAY, 5000),
    exportTimeoutMillis: int(env.OTEL_BSP_EXPORT_TIMEOUT, 30_000),
  });
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    ...(options.serviceVersion && { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
  }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({
    resource,
    sampler: samplerFrom(env),
    spanProcessors: [processor],
  });

  // an export that fails (collector down, refused, slow) is said once, on stderr; spans are dropped
  let warned = false;
  setGlobalErrorHandler((error) => {
    if (warned) return;
    warned = true;
    logger.warn(
      { err: error instanceof Error ? { type: error.name, message: error.message } : String(error) },
      'traces could not be exported (said once; spans are dropped while the collector is unreachable)',
    );
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);

  return async (timeoutMs) => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([provider.shutdown().catch(() => undefined), bound]);
    clearTimeout(timer);
    trace.disable();
    propagation.disable();
    context.disable();
  };
}

/**
 * Where and how spans go, from the environment given (not necessarily process.env): the
 * specification's per-signal variables first, then the general ones; the endpoint of the general
 * variable gets `/v1/traces` appended, the per-signal one is used as it is.
 */
export function exporterOptions(env: Env) {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = signal || `${(base ?? '').replace(/\/+$/, '')}/v1/traces`;
  const headers = {
    ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  };
  const timeoutMillis = int(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT, 10_000);
  return { url, headers, timeoutMillis };
}

/** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else `http/json`. */
export function otlpProtocol(env: Env): string {
  return (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim() || 'http/json';
}

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the specification's names; default parentbased_always_on). */
export function samplerFrom(env: Env): Sampler {
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratioSampler = new TraceIdRatioBasedSampler(Number.isFinite(ratio) ? ratio : 1);
  switch (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase()) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratioSampler;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratioSampler });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function int(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value?.trim() && Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}
