import type { z } from 'zod';
import { CORE_OPTIONS, type CoreConfig, coreConfigSchema, type OptionSpec } from './cli-options.ts';
import { ConfigError, type Env, loadConfig } from './config.ts';
import type { HttpCacheSource } from './http/metrics.ts';
import { createLogger, type Logger } from './logger.ts';
import { startMemoryTrim } from './memory-trim.ts';
import type { ServerDefinition } from './server.ts';
import type { SharedRedis } from './shared.ts';
import { startTracing, type Tracing } from './tracing/setup.ts';

export type { CoreConfig, OptionSpec };

type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]: z.output<O[K]['schema']> };

export interface ServerCli<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The bin's name: `mcp-server-users`. */
  bin: string;
  version: string;
  /** One line: what the server is for. */
  description: string;
  /** The default HTTP port (the contract's). */
  port: number;
  /** The server's own flags and env vars. */
  options?: O;
  /** Builds the definition from the parsed options; side effects (db, clients) start here. */
  create: (
    options: OptionValues<O>,
    runtime: {
      logger: Logger;
      config: CoreConfig;
      /** Over HTTP with MCP_REDIS_URL: what the replicas share (a GET cache's second level, the bus). */
      redis?: SharedRedis;
      /** Reports an HTTP client's GET cache on /metrics (`mcp_http_cache_*{cache=name}`). */
      reportCache?: (name: string, client: HttpCacheSource) => void;
    },
  ) => Promise<ServerDefinition> | ServerDefinition;
}

export interface CliIo {
  argv: ReadonlyArray<string>;
  env: Env;
  /** Where --help and --version go (stdout: no server is running then). */
  print: (text: string) => void;
  /** Where usage and config errors go. */
  printError: (text: string) => void;
}

/** What help and errors need to know of a bin. */
type CliInfo = {
  bin: string;
  version: string;
  description: string;
  port: number;
  options?: Record<string, OptionSpec>;
};

/** What `parseCli` found: a message to print and an exit code, or what to run. */
export type CliParse<O extends Record<string, OptionSpec>> =
  | { kind: 'exit'; code: number; text: string }
  | { kind: 'run'; config: CoreConfig; options: OptionValues<O> };

/**
 * Reads argv and the environment for a server bin: the contract's flags and env vars (transport,
 * host, port, auth, limits) and the server's own. A flag wins over its env var, which wins over
 * the default. Anything wrong is reported at once, naming the flag or variable.
 */
export function parseCli<O extends Record<string, OptionSpec>>(
  cli: ServerCli<O>,
  argv: ReadonlyArray<string>,
  env: Env,
): CliParse<O> {
  const specs: OptionSpec[] = [...CORE_OPTIONS, ...Object.values(cli.options ?? {})];
  const byFlag = new Map(specs.filter((s) => s.flag).map((s) => [s.flag as string, s]));
  const values: Record<string, string | undefined> = { ...env };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'exit', code: 0, text: helpText(cli) };
    if (arg === '--version' || arg === '-v') return { kind: 'exit', code: 0, text: cli.version };
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const spec = byFlag.get(flag);
    if (!spec) return usageError(cli, `unknown ${arg.startsWith('-') ? 'option' : 'argument'} ${arg}`);
    if (spec.boolean) {
      values[spec.env] = spec.flagValue ?? inline ?? 'true';
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      return usageError(cli, `${flag} needs a value`);
    if (inline === undefined) i++;
    values[spec.env] = value;
  }
  try {
    // one schema for the contract's variables and the server's, so one message names every problem
    const own = Object.values(cli.options ?? {});
    const schema = coreConfigSchema(cli.port).extend(Object.fromEntries(own.map((s) => [s.env, s.schema])));
    const secrets = ['MCP_API_KEYS', ...own.filter((s) => s.secret).map((s) => s.env)];
    const parsed = loadConfig(schema, values, { secrets }) as CoreConfig & Record<string, unknown>;
    const options = Object.fromEntries(
      Object.entries(cli.options ?? {}).map(([key, s]) => [key, parsed[s.env]]),
    );
    return { kind: 'run', config: parsed, options: options as OptionValues<O> };
  } catch (error) {
    if (error instanceof ConfigError)
      return { kind: 'exit', code: 2, text: `${cli.bin}: ${withFlags(error.message, specs)}` };
    throw error;
  }
}

/** Runs a server bin: parse, then serve over stdio (default) or Streamable HTTP until stopped. */
export async function runCli<O extends Record<string, OptionSpec>>(
  cli: ServerCli<O>,
  io: Partial<CliIo> = {},
): Promise<number> {
  const argv = io.argv ?? process.argv.slice(2);
  const env = io.env ?? process.env;
  const parsed = parseCli(cli, argv, env);
  if (parsed.kind === 'exit') {
    (parsed.code === 0
      ? (io.print ?? ((t) => process.stdout.write(`${t}\n`)))
      : (io.printError ?? ((t) => process.stderr.write(`${t}\n`))))(parsed.text);
    return parsed.code;
  }
  const { config } = parsed;
  const logger = createLogger({ level: config.LOG_LEVEL, name: cli.bin });
  let shared: SharedRedis | undefined;
  let tracing: Tracing | undefined;
  // glibc keeps the C heap a burst of large requests grew; this gives it back after collections
  const memoryTrim = startMemoryTrim({ intervalMs: config.MCP_MEMORY_TRIM_MS, logger });
  try {
    // replicas share Redis over HTTP; a stdio server is one client's own and never loads ioredis
    if (config.MCP_TRANSPORT === 'http' && config.MCP_REDIS_URL)
      shared = await (await import('./shared.ts')).connectShared(config.MCP_REDIS_URL, {
        logger,
        name: cli.bin,
        prefix: config.MCP_REDIS_PREFIX,
        commandTimeoutMs: config.MCP_REDIS_TIMEOUT_MS,
        consequence: redisConsequence(config),
      });
    const httpCaches = new Map<string, HttpCacheSource>();
    const definition = await cli.create(parsed.options, {
      logger,
      config,
      ...(shared && { redis: shared }),
      reportCache: (name, client) => void httpCaches.set(name, client),
    });
    // OTEL_EXPORTER_OTLP_ENDPOINT set: the SDK loads and every request is traced; unset: nothing loads
    tracing = await startTracing({
      serviceName: definition.name,
      serviceVersion: definition.version,
      env,
      logger,
    });
    if (config.MCP_TRANSPORT === 'stdio') {
      const { runStdio } = await import('./stdio.ts');
      const running = await runStdio(definition, {
        logger,
        listenLimits: listenLimits(config),
        tasks: taskOptions(config),
        ...(config.MCP_REQUEST_STATE_KEYS && { requestStateKeys: config.MCP_REQUEST_STATE_KEYS }),
      });
      await running.closed;
      await tracing?.shutdown();
      return 0;
    }
    const { serveHttp } = await import('./http/serve.ts');
    const served = shared
      ? (await import('./shared.ts')).shareChanges(definition, shared, logger)
      : definition;
    const options = await httpOptions(config, logger, cli.bin, shared, definition.name);
    const running = await serveHttp(served, {
      logger,
      ...options,
      metricSources: { ...options.metricSources, httpCaches },
    });
    const clean = await running.closed;
    // after the last request is answered: its spans are exported before the process exits
    await tracing?.shutdown();
    await shared?.close();
    return clean ? 0 : 1;
  } catch (error) {
    await tracing?.shutdown();
    await shared?.close();
    logger.fatal({ err: error }, 'could not start');
    const message = error instanceof Error ? error.message : String(error);
    (io.printError ?? ((t) => process.stderr.write(`${t}\n`)))(`${cli.bin}: ${message}`);
    return 1;
  } finally {
    memoryTrim.stop();
  }
}

function usageError(cli: CliInfo, message: string): { kind: 'exit'; code: number; text: string } {
  return { kind: 'exit', code: 2, text: `${cli.bin}: ${message}\nRun ${cli.bin} --help for the options.` };
}

/** `MCP_PORT: …` becomes `--port / MCP_PORT: …` so people see the flag they typed. */
function withFlags(message: string, specs: ReadonlyArray<OptionSpec>): string {
  let out = message;
  for (const spec of specs) {
    if (spec.flag && !spec.boolean) out = out.replace(`  ${spec.env}:`, `  ${spec.flag} / ${spec.env}:`);
  }
  return out;
}

export function helpText(cli: CliInfo): string {
  const row = (spec: OptionSpec) => {
    const left = spec.flag
      ? `${spec.flag}${spec.boolean ? '' : ` <${spec.placeholder ?? 'value'}>`}`
      : spec.env;
    const env = spec.flag ? `env ${spec.env}${spec.flagValue ? `=${spec.flagValue}` : ''}` : '';
    const def = spec.defaultText ? `default ${spec.defaultText}` : '';
    const extra = [env, def].filter(Boolean).join(', ');
    return `  ${left.padEnd(30)} ${spec.description}${extra ? ` (${extra})` : ''}`;
  };
  const core = CORE_OPTIONS.map((spec) =>
    spec.env === 'MCP_PORT' ? { ...spec, defaultText: `${cli.port}; 0 picks a free one` } : spec,
  );
  const own = Object.values(cli.options ?? {});
  const width = `${cli.bin} --http [--port ${cli.port}]`.length;
  return [
    `${cli.bin} ${cli.version}: ${cli.description}`,
    '',
    'Usage:',
    `  ${cli.bin.padEnd(width)}   serve over stdio (an MCP client starts it)`,
    `  ${`${cli.bin} --http [--port ${cli.port}]`.padEnd(width)}   serve over Streamable HTTP at /mcp`,
    '',
    'Options:',
    ...core.filter((s) => s.flag).map(row),
    '  --help, --version',
    ...(own.length ? ['', 'Server options:', ...own.map(row)] : []),
    '',
    'Environment (HTTP):',
    ...core.filter((s) => !s.flag).map(row),
  ].join('\n');
}

/** A bin's whole body: run the CLI and exit with its code. `io` overrides argv or env (entry files). */
export function startCli<O extends Record<string, OptionSpec>>(
  cli: ServerCli<O>,
  io: Partial<CliIo> = {},
): void {
  runCli(cli, io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${cli.bin}: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

/** What an outage of Redis means for this replica, for the log line that says it started. */
function redisConsequence(config: CoreConfig): string {
  const limits =
    config.MCP_RATE_LIMIT_RPS === 0
      ? undefined
      : config.MCP_RATE_LIMIT_WHEN_REDIS_DOWN === 'allow'
        ? 'rate limits are not enforced'
        : 'requests are refused (429)';
  return `${limits ? `${limits}, ` : ''}changes are not relayed, caches go to the upstream and tasks are unavailable until it is back`;
}

/**
 * The contract's configuration as `serveHttp` options. With MCP_REDIS_URL, the link to Redis
 * (`shared`'s, else one of its own that serveHttp closes when it stops); the rate limiter then
 * counts there.
 */
export async function httpOptions(
  config: CoreConfig,
  logger: Logger,
  name = 'mcp-stack',
  shared?: SharedRedis,
  /** The definition's name: names the tasks' keys in Redis (`<prefix>tasks:<server>:…`). */
  serverName = name,
) {
  const limited = config.MCP_RATE_LIMIT_RPS > 0;
  const redis =
    shared?.link ??
    (config.MCP_REDIS_URL && limited
      ? await (await import('./redis.ts')).connectRedis(config.MCP_REDIS_URL, {
          logger,
          name,
          commandTimeoutMs: config.MCP_REDIS_TIMEOUT_MS,
          consequence: redisConsequence(config),
        })
      : undefined);
  return {
    ...(shared && { metricSources: { bus: shared.bus } }),
    ...(redis && {
      redis,
      redisPrefix: config.MCP_REDIS_PREFIX,
      rateLimitWhenRedisDown: config.MCP_RATE_LIMIT_WHEN_REDIS_DOWN,
    }),
    host: config.MCP_HOST,
    port: config.MCP_PORT,
    auth: await authenticatorFrom(config),
    insecureNoAuth: config.MCP_INSECURE_NO_AUTH,
    publicUrl: config.MCP_PUBLIC_URL,
    allowedHosts: config.MCP_ALLOWED_HOSTS,
    allowedOrigins: config.MCP_ALLOWED_ORIGINS,
    trustedProxies: config.MCP_TRUSTED_PROXIES,
    rateLimit: { rps: config.MCP_RATE_LIMIT_RPS, burst: config.MCP_RATE_LIMIT_BURST },
    stateful: config.MCP_STATEFUL && {
      idleMs: config.MCP_SESSION_IDLE_MS,
      maxSessions: config.MCP_MAX_SESSIONS,
      maxSessionsPerCaller: config.MCP_MAX_SESSIONS_PER_CALLER,
      maxLifetimeMs: config.MCP_SESSION_MAX_LIFETIME_MS,
    },
    connections: {
      headersTimeoutMs: config.MCP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.MCP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.MCP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: config.MCP_MAX_CONNECTIONS,
      maxConnectionsPerAddress: config.MCP_MAX_CONNECTIONS_PER_ADDRESS,
    },
    maxBodyBytes: config.MCP_MAX_BODY_BYTES,
    metricsPort: config.MCP_METRICS_PORT,
    shutdownGraceMs: config.MCP_SHUTDOWN_GRACE_MS,
    shutdownDelayMs: config.MCP_SHUTDOWN_DELAY_MS,
    listenLimits: listenLimits(config),
    ...(config.MCP_REQUEST_STATE_KEYS && { requestStateKeys: config.MCP_REQUEST_STATE_KEYS }),
    tasks: {
      ...taskOptions(config),
      // any replica answers tasks/get; the handler runs where the task started
      ...(shared && {
        store: (await import('./tasks/store-redis.ts')).createRedisTaskStore({
          redis: shared,
          server: serverName,
          maxTasks: config.MCP_MAX_TASKS,
          maxPerCaller: config.MCP_MAX_TASKS_PER_CALLER,
        }),
      }),
    },
  };
}

/** The bounds of the Tasks extension's memory store (tasks/store.ts). */
function taskOptions(config: CoreConfig) {
  return {
    maxTasks: config.MCP_MAX_TASKS,
    maxPerCaller: config.MCP_MAX_TASKS_PER_CALLER,
    ttlMs: config.MCP_TASK_TTL_MS,
  };
}

/** The bounds of subscriptions/listen, from MCP_MAX_LISTENS and MCP_MAX_LISTENS_PER_CALLER. */
function listenLimits(config: CoreConfig) {
  return { maxListens: config.MCP_MAX_LISTENS, maxPerCaller: config.MCP_MAX_LISTENS_PER_CALLER };
}

/** API keys, or JWT when a JWKS URL is set; none when neither is. */
async function authenticatorFrom(config: CoreConfig) {
  const { apiKeyAuthenticator, jwtAuthenticator } = await import('./auth.ts');
  if (config.MCP_JWT_JWKS_URL && config.MCP_API_KEYS.length) {
    throw new Error('set MCP_API_KEYS or MCP_JWT_JWKS_URL, not both');
  }
  if (config.MCP_JWT_JWKS_URL) {
    const audience =
      config.MCP_JWT_AUDIENCE ??
      (config.MCP_PUBLIC_URL && `${config.MCP_PUBLIC_URL.replace(/\/+$/, '')}/mcp`);
    if (!audience) {
      throw new Error(
        'MCP_JWT_AUDIENCE is required with MCP_JWT_JWKS_URL (the audience your tokens are issued for), or set MCP_PUBLIC_URL',
      );
    }
    return jwtAuthenticator({ jwksUrl: config.MCP_JWT_JWKS_URL, issuer: config.MCP_JWT_ISSUER, audience });
  }
  return config.MCP_API_KEYS.length ? apiKeyAuthenticator(config.MCP_API_KEYS) : undefined;
}
