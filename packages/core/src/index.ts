// The public API of @mcp-stack/core, by name.

export { type CacheOptions, type CacheStats, TtlCache } from './cache.ts';
export {
  ConfigError,
  type ConfigProblem,
  type Env,
  envBoolean,
  envInt,
  envList,
  envLogLevel,
  envNumber,
  envPort,
  envUrl,
  LOG_LEVELS,
  type LoadConfigOptions,
  type LogLevel,
  loadConfig,
  SECRET_NAME,
} from './config.ts';
export {
  AppError,
  type AppErrorOptions,
  describeError,
  describeIssues,
  ERROR_CODES,
  type ErrorCode,
  formatIssuePath,
  invalidInput,
  isAppError,
  newErrorRef,
  type SchemaIssue,
  type ToolErrorResult,
  toToolErrorResult,
} from './errors.ts';
export {
  apiKeyAuth,
  bearerAuth,
  type HeadersSource,
  type HttpAuth,
  headersAuth,
  type SecretSource,
} from './http-auth.ts';
export {
  createHttpClient,
  type FetchLike,
  type HttpCacheEntry,
  type HttpClient,
  type HttpClientOptions,
  type HttpLogger,
  type HttpMethod,
  type QueryParams,
  type QueryValue,
  type RequestOptions,
  type ResponseSchema,
  type RetryOptions,
} from './http-client.ts';
export { codeForStatus, HttpError, type HttpErrorInit, parseRetryAfter, redactUrl } from './http-error.ts';
export {
  type CreateLoggerOptions,
  createLogger,
  type Logger,
  redactSecrets,
  redactString,
  SECRET_FIELD,
  silentLogger,
  withRequestId,
} from './logger.ts';
export {
  type BucketRule,
  MemoryRateLimitStore,
  type MemoryStoreOptions,
  type RateDecision,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimitStore,
} from './rate-limit.ts';
export {
  type AcquireOptions,
  type Release,
  Semaphore,
  type SemaphoreOptions,
  type SemaphoreStats,
} from './semaphore.ts';
