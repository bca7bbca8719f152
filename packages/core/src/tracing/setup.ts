// Turning traces on: only when an OTLP endpoint is configured, and only then is the SDK loaded
// (dynamic import of sdk.ts), so a server without one pays for the API's no-op and nothing else.
import type { Env } from '../config.ts';
import type { Logger } from '../logger.ts';
import { setTracingActive } from './spans.ts';

export interface TracingOptions {
  /** `service.name` unless OTEL_SERVICE_NAME says otherwise: the server's name. */
  serviceName: string;
  serviceVersion?: string | undefined;
  /** The process's environment: OTEL_* as the OpenTelemetry specification names them. */
  env: Env;
  /** Warnings (an unreachable collector, once) go here: stderr, never stdout. */
  logger: Logger;
  /** How the SDK is loaded (default: `import('./sdk.ts')`); tests watch it. */
  load?: () => Promise<SdkModule>;
}

export type SdkModule = typeof import('./sdk.ts');

export interface Tracing {
  /** Exports what is queued (bounded: an unreachable collector cannot hold shutdown) and stops. */
  shutdown(): Promise<void>;
}

/** Whether traces are exported: an OTLP endpoint is set and OTEL_SDK_DISABLED is not true. */
export function tracingConfigured(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

export const loadSdk = (): Promise<SdkModule> => import('./sdk.ts');

/**
 * Starts exporting traces when configured; undefined (nothing loaded, nothing to stop) when not.
 * A bad OTEL_* value is logged and tracing stays off: traces never stop a server from serving.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!tracingConfigured(options.env)) return undefined;
  let stop: (timeoutMs: number) => Promise<void>;
  let protocol: string;
  try {
    const sdk = await (options.load ?? loadSdk)();
    protocol = sdk.otlpProtocol(options.env);
    stop = sdk.registerSdk({
      serviceName: options.env.OTEL_SERVICE_NAME?.trim() || options.serviceName,
      serviceVersion: options.serviceVersion,
      env: options.env,
      logger: options.logger,
    });
  } catch (error) {
    options.logger.warn({ err: error }, 'traces are off: the OpenTelemetry SDK could not start');
    return undefined;
  }
  setTracingActive(true);
  options.logger.info({ service: options.serviceName, protocol }, 'exporting traces over OTLP');
  return {
    async shutdown() {
      setTracingActive(false);
      await stop(SHUTDOWN_FLUSH_MS);
    },
  };
}

/** How long shutdown waits for the last spans to be exported. */
const SHUTDOWN_FLUSH_MS = 3_000;
