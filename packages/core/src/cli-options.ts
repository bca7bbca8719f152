import { z } from 'zod';
import { envBoolean, envInt, envList, envLogLevel, envNumber, envPort, envUrl } from './config.ts';
import { isAddressOrRange } from './http/client-address.ts';

/** One flag and/or env var a server bin reads. */
export interface OptionSpec {
  /** The variable: `USERS_API_URL`. */
  env: string;
  /** The flag, when there is one: `--users-api-url`. */
  flag?: string;
  /** A flag that takes no value; it sets the variable to `flagValue` (default `true`). */
  boolean?: boolean;
  flagValue?: string;
  description: string;
  /** Parses the string value (see config.ts building blocks), with its default. */
  schema: z.ZodType;
  /** Shown in --help. */
  defaultText?: string;
  placeholder?: string;
  /** Never echoed in an error. */
  secret?: boolean;
}

/** The contract's flags and env vars, shared by every server bin (see ARCHITECTURE.md). */
export const CORE_OPTIONS: ReadonlyArray<OptionSpec> = [
  {
    env: 'MCP_TRANSPORT',
    flag: '--http',
    boolean: true,
    flagValue: 'http',
    description: 'serve over Streamable HTTP instead of stdio',
    schema: z.enum(['stdio', 'http']),
  },
  {
    env: 'MCP_HOST',
    flag: '--host',
    placeholder: 'host',
    description: 'address to bind',
    defaultText: '127.0.0.1',
    schema: z.string(),
  },
  {
    env: 'MCP_PORT',
    flag: '--port',
    placeholder: 'port',
    description: 'port to listen on',
    schema: envPort(),
  },
  {
    env: 'MCP_STATEFUL',
    flag: '--stateful',
    boolean: true,
    flagValue: '1',
    description: 'keep sessions (subscriptions, server-to-client streams)',
    defaultText: 'stateless',
    schema: envBoolean(),
  },
  {
    env: 'MCP_INSECURE_NO_AUTH',
    flag: '--insecure-no-auth',
    boolean: true,
    flagValue: '1',
    description: 'allow a non-loopback bind with no auth configured',
    schema: envBoolean(),
  },
  {
    env: 'MCP_API_KEYS',
    description:
      'comma-separated id:secret or id:secret:scope scope…; clients send Authorization: Bearer <secret>',
    secret: true,
    schema: envList(),
  },
  { env: 'MCP_JWT_JWKS_URL', description: 'verify JWT bearer tokens against this JWKS', schema: envUrl() },
  { env: 'MCP_JWT_ISSUER', description: 'required JWT issuer', schema: z.string() },
  { env: 'MCP_JWT_AUDIENCE', description: 'required JWT audience', schema: z.string() },
  {
    env: 'MCP_PUBLIC_URL',
    description: 'public base URL, for resource metadata',
    defaultText: 'http://<host>:<port>',
    schema: envUrl(),
  },
  {
    env: 'MCP_ALLOWED_HOSTS',
    description: 'Host headers accepted (comma-separated host:port)',
    defaultText: 'loopback names and the bound host',
    schema: envList(),
  },
  {
    env: 'MCP_ALLOWED_ORIGINS',
    description: 'Origins accepted (comma-separated)',
    defaultText: 'none; loopback Origins when bound to loopback',
    schema: envList(),
  },
  {
    env: 'MCP_RATE_LIMIT_RPS',
    description: 'requests per second per client; 0 turns it off',
    defaultText: '50',
    schema: envNumber(0, 1_000_000),
  },
  {
    env: 'MCP_RATE_LIMIT_BURST',
    description: 'burst per client',
    defaultText: '100',
    schema: envInt(1, 10_000_000),
  },
  {
    env: 'MCP_REDIS_URL',
    description:
      'Redis shared by every replica: rate limits are counted there (redis://[user:password@]host:port[/db])',
    defaultText: 'none: in memory, per process',
    secret: true,
    schema: envRedisUrl(),
  },
  {
    env: 'MCP_REDIS_PREFIX',
    description: 'prefix of every key this server writes in Redis: deployments sharing one Redis keep apart',
    defaultText: 'mcp-stack:',
    schema: z.string().max(100),
  },
  {
    env: 'MCP_REDIS_TIMEOUT_MS',
    description: 'longest wait for one Redis command; past it, the request goes on under the policy below',
    defaultText: '250',
    schema: envInt(10, 10_000),
  },
  {
    env: 'MCP_RATE_LIMIT_WHEN_REDIS_DOWN',
    description:
      'allow (fail open: limits not enforced) or refuse (fail closed: 429) while Redis cannot answer',
    defaultText: 'allow',
    schema: z.enum(['allow', 'refuse']),
  },
  {
    env: 'MCP_METRICS_PORT',
    description:
      'serve /metrics, /healthz and /readyz on this port of their own (not beside MCP); 0 picks a free one',
    defaultText: 'none: beside MCP',
    schema: envPort(),
  },
  {
    env: 'MCP_MAX_BODY_BYTES',
    description: 'largest request body',
    defaultText: '4194304',
    schema: envInt(1, 1024 * 1024 * 1024),
  },
  {
    env: 'MCP_SESSION_IDLE_MS',
    description: 'idle time before a session ends',
    defaultText: '600000',
    schema: envInt(1_000, 86_400_000),
  },
  {
    env: 'MCP_MAX_SESSIONS',
    description: 'most sessions at once',
    defaultText: '1000',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_MAX_SESSIONS_PER_CALLER',
    description: 'most sessions of one caller (API key, token subject, or address when anonymous)',
    defaultText: '32',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_SESSION_MAX_LIFETIME_MS',
    description: 'a session ends this long after it opened, busy or not',
    defaultText: '3600000',
    schema: envInt(1_000, 604_800_000),
  },
  {
    env: 'MCP_HEADERS_TIMEOUT_MS',
    description: "time to receive a request's headers",
    defaultText: '10000',
    schema: envInt(1_000, 600_000),
  },
  {
    env: 'MCP_REQUEST_TIMEOUT_MS',
    description: 'time to receive a whole request, body included',
    defaultText: '30000',
    schema: envInt(1_000, 3_600_000),
  },
  {
    env: 'MCP_KEEP_ALIVE_TIMEOUT_MS',
    description: 'how long an idle kept-alive connection is held',
    defaultText: '5000',
    schema: envInt(0, 600_000),
  },
  {
    env: 'MCP_MAX_CONNECTIONS',
    description: 'open HTTP connections at most',
    defaultText: '1000',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_MAX_CONNECTIONS_PER_ADDRESS',
    description: 'open HTTP connections from one client address at most; 0: no cap (behind a balancer)',
    defaultText: '256',
    schema: envInt(0, 1_000_000),
  },
  {
    env: 'MCP_TRUSTED_PROXIES',
    description:
      'balancers in front (IP addresses, CIDR ranges): their X-Forwarded-For names the client, whose address then counts for anonymous limits',
    defaultText: 'none',
    schema: envTrustedProxies(),
  },
  {
    env: 'MCP_MAX_LISTENS',
    description: 'most subscriptions/listen streams open at once in this process',
    defaultText: '1000',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_MAX_TASKS',
    description: 'most tasks (Tasks extension) kept at once, any status, until their TTL',
    defaultText: '1000',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_MAX_LISTENS_PER_CALLER',
    description:
      'most subscriptions/listen streams one client (API key, token subject, else address) keeps open',
    defaultText: '16',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_MAX_TASKS_PER_CALLER',
    description: 'most unfinished tasks one caller may have',
    defaultText: '100',
    schema: envInt(1, 1_000_000),
  },
  {
    env: 'MCP_TASK_TTL_MS',
    description: 'how long a task and its result are kept from its creation',
    defaultText: '3600000',
    schema: envInt(1_000, 604_800_000),
  },
  {
    env: 'MCP_SHUTDOWN_GRACE_MS',
    description: 'time in-flight requests get on shutdown',
    defaultText: '10000',
    schema: envInt(0, 3_600_000),
  },
  {
    env: 'MCP_SHUTDOWN_DELAY_MS',
    description:
      'behind a load balancer: time serving with /readyz 503 before the listener closes on shutdown',
    defaultText: '0',
    schema: envInt(0, 600_000),
  },
  {
    env: 'MCP_REQUEST_STATE_KEYS',
    description:
      'keys (comma-separated, 32+ characters each, newest first) signing the requestState of questions to the client; replicas must share them',
    defaultText: 'a random key per process',
    secret: true,
    schema: envRequestStateKeys(),
  },
  {
    env: 'MCP_MEMORY_TRIM_MS',
    description:
      "after a garbage collection, give the C allocator's free memory back to the system at most this often (Linux, glibc; 0 turns it off)",
    defaultText: '10000',
    schema: envInt(0, 3_600_000),
  },
  {
    env: 'LOG_LEVEL',
    description: 'fatal, error, warn, info, debug, trace or silent (logs go to stderr)',
    defaultText: 'info',
    schema: envLogLevel(),
  },
  {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    description:
      'export traces there over OTLP/HTTP (/v1/traces is appended); the other standard OTEL_* variables apply (stdio too)',
    defaultText: 'none: no traces, no SDK loaded',
    schema: envUrl(),
  },
  {
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    description: 'http/json or http/protobuf (OTLP/HTTP bodies); grpc is refused at start',
    defaultText: 'http/json',
    schema: envOtlpProtocol(),
  },
  {
    env: 'OTEL_SERVICE_NAME',
    description: 'service.name of the traces',
    defaultText: "the server's name",
    schema: z.string().max(200),
  },
];

/**
 * The OTLP protocols a server here can honour: OTLP/HTTP with JSON bodies (the default) or protobuf
 * ones (tracing/sdk.ts). `grpc` (a collector's port 4317) would fail every export: it fails
 * start-up instead, saying what to set.
 */
function envOtlpProtocol() {
  return z
    .string()
    .trim()
    .refine((value) => value !== 'grpc', {
      error:
        "grpc is not exported here: traces go over OTLP/HTTP; point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP port (4318) and set http/protobuf or http/json, or unset this",
    })
    .pipe(z.enum(['http/json', 'http/protobuf'], { error: 'expected http/json or http/protobuf' }));
}

/** Signing keys: each long enough to resist guessing (HMAC-SHA256 wants 32 bytes). */
function envRequestStateKeys() {
  return envList().refine((keys) => keys.length > 0 && keys.every((key) => Buffer.byteLength(key) >= 32), {
    error:
      'expected one or more comma-separated keys of at least 32 characters each (openssl rand -base64 48)',
  });
}

/** A redis:// or rediss:// URL. */
function envRedisUrl() {
  return z.string().refine((value) => /^rediss?:\/\/[^\s/]/.test(value) && URL.canParse(value), {
    error: 'expected a redis:// or rediss:// URL, such as redis://127.0.0.1:6379',
  });
}

/** MCP_TRUSTED_PROXIES: addresses and CIDR ranges, comma-separated; each bad entry named. */
function envTrustedProxies() {
  return envList().superRefine((entries, ctx) => {
    const bad = entries.filter((entry) => !isAddressOrRange(entry));
    if (bad.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: `expected IP addresses or CIDR ranges such as 10.0.0.0/8,127.0.0.1; not one: ${bad.slice(0, 3).join(', ')}`,
      });
  });
}

/** The parsed contract configuration, keyed by variable name. */
export function coreConfigSchema(defaultPort: number) {
  return z.object({
    MCP_TRANSPORT: z.enum(['stdio', 'http'], { error: 'expected stdio or http' }).default('stdio'),
    MCP_HOST: z.string().default('127.0.0.1'),
    MCP_PORT: envPort().default(defaultPort),
    MCP_STATEFUL: envBoolean().default(false),
    MCP_INSECURE_NO_AUTH: envBoolean().default(false),
    MCP_API_KEYS: envList().default([]),
    MCP_JWT_JWKS_URL: envUrl().optional(),
    MCP_JWT_ISSUER: z.string().optional(),
    MCP_JWT_AUDIENCE: z.string().optional(),
    MCP_PUBLIC_URL: envUrl().optional(),
    MCP_ALLOWED_HOSTS: envList().optional(),
    MCP_ALLOWED_ORIGINS: envList().default([]),
    MCP_RATE_LIMIT_RPS: envNumber(0, 1_000_000).default(50),
    MCP_RATE_LIMIT_BURST: envInt(1, 10_000_000).default(100),
    MCP_REDIS_URL: envRedisUrl().optional(),
    MCP_REDIS_PREFIX: z.string().max(100).default('mcp-stack:'),
    MCP_REDIS_TIMEOUT_MS: envInt(10, 10_000).default(250),
    MCP_RATE_LIMIT_WHEN_REDIS_DOWN: z
      .enum(['allow', 'refuse'], { error: 'expected allow or refuse' })
      .default('allow'),
    MCP_METRICS_PORT: envPort().optional(),
    MCP_MAX_BODY_BYTES: envInt(1, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
    MCP_SESSION_IDLE_MS: envInt(1_000, 86_400_000).default(600_000),
    MCP_MAX_SESSIONS: envInt(1, 1_000_000).default(1_000),
    MCP_MAX_SESSIONS_PER_CALLER: envInt(1, 1_000_000).default(32),
    MCP_SESSION_MAX_LIFETIME_MS: envInt(1_000, 604_800_000).default(3_600_000),
    MCP_HEADERS_TIMEOUT_MS: envInt(1_000, 600_000).default(10_000),
    MCP_REQUEST_TIMEOUT_MS: envInt(1_000, 3_600_000).default(30_000),
    MCP_KEEP_ALIVE_TIMEOUT_MS: envInt(0, 600_000).default(5_000),
    MCP_MAX_CONNECTIONS: envInt(1, 1_000_000).default(1_000),
    MCP_MAX_CONNECTIONS_PER_ADDRESS: envInt(0, 1_000_000).default(256),
    MCP_TRUSTED_PROXIES: envTrustedProxies().default([]),
    MCP_MAX_LISTENS: envInt(1, 1_000_000).default(1_000),
    MCP_MAX_LISTENS_PER_CALLER: envInt(1, 1_000_000).default(16),
    MCP_MAX_TASKS: envInt(1, 1_000_000).default(1_000),
    MCP_MAX_TASKS_PER_CALLER: envInt(1, 1_000_000).default(100),
    MCP_TASK_TTL_MS: envInt(1_000, 604_800_000).default(3_600_000),
    MCP_SHUTDOWN_GRACE_MS: envInt(0, 3_600_000).default(10_000),
    MCP_SHUTDOWN_DELAY_MS: envInt(0, 600_000).default(0),
    MCP_REQUEST_STATE_KEYS: envRequestStateKeys().optional(),
    MCP_MEMORY_TRIM_MS: envInt(0, 3_600_000).default(10_000),
    LOG_LEVEL: envLogLevel().default('info'),
    // read again by tracing/setup.ts from the environment; checked here so a typo fails start-up
    OTEL_EXPORTER_OTLP_ENDPOINT: envUrl().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: envUrl().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: envOtlpProtocol().optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: envOtlpProtocol().optional(),
    OTEL_SERVICE_NAME: z.string().max(200).optional(),
  });
}

export type CoreConfig = z.output<ReturnType<typeof coreConfigSchema>>;
