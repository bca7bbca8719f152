// The public API of @mcp-stack/core, by name.

export { DESTRUCTIVE_VERBS, READ_VERBS, VERBS as TOOL_VERBS } from './agent-contract.ts';
export {
  ALL_SCOPES,
  AuthError,
  type Authenticator,
  apiKeyAuthenticator,
  bearerToken,
  type JwtOptions,
  jwtAuthenticator,
  parseApiKeys,
  protectedResourceMetadata,
  wwwAuthenticate,
} from './auth.ts';
export { type CacheOptions, type CacheStats, TtlCache } from './cache.ts';
export { type ChangeHub, createChangeHub, type ListKind } from './change-hub.ts';
export { type ChangeEvent, type ChangeFeed, type ChangeListener, createMemoryChangeFeed } from './changes.ts';
export { createRedisChangeFeed, parseChangeEvent, type RedisChangeFeed } from './changes-redis.ts';
export { type CliIo, type CliParse, helpText, parseCli, runCli, type ServerCli, startCli } from './cli.ts';
export { CORE_OPTIONS, type CoreConfig, coreConfigSchema, type OptionSpec } from './cli-options.ts';
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
export { type DeceptiveTextOptions, deceptiveText } from './deceptive-text.ts';
export {
  buildTables,
  type Notification,
  type RequestEnv,
  type ServerTables,
  type SessionState,
  type Transport,
} from './dispatch.ts';
export {
  AppError,
  type AppErrorOptions,
  describeError,
  describeIssues,
  ERROR_CODES,
  ERROR_META_KEY,
  type ErrorCode,
  formatIssuePath,
  invalidInput,
  isAppError,
  newErrorRef,
  type SchemaIssue,
  scrubAddresses,
  type ToolErrorData,
  type ToolErrorResult,
  toToolErrorResult,
} from './errors.ts';
export { BodyTooLargeError, readJsonBody } from './http/body.ts';
export {
  checkRequest,
  defaultAllowedHosts,
  type GuardOptions,
  guardOptions,
  isLoopbackHost,
} from './http/guards.ts';
export { createMcpHttpHandler, type McpHttpHandlerOptions, type NodeHandler } from './http/handler.ts';
export { listen } from './http/listen.ts';
export { createMetrics, type HttpCacheSource, type Metrics, type MetricsOptions } from './http/metrics.ts';
export { type RunningHttp, type ServeHttpOptions, serveHttp } from './http/serve.ts';
export {
  createSessionManager,
  type SessionManager,
  type SessionManagerOptions,
  type SessionRequestOptions,
} from './http/sessions.ts';
export {
  apiKeyAuth,
  bearerAuth,
  type HeadersSource,
  type HttpAuth,
  headersAuth,
  type SecretSource,
} from './http-auth.ts';
export {
  type CachedResponse,
  createSharedHttpCache,
  type HttpCacheStats,
  type SharedHttpCache,
  type SharedHttpCacheOptions,
} from './http-cache-redis.ts';
export {
  createHttpClient,
  type FetchLike,
  type HttpCacheEntry,
  type HttpCacheOptions,
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
export {
  codeForStatus,
  HttpError,
  type HttpErrorInit,
  parseRetryAfter,
  ResponseTooLargeError,
  redactUrl,
} from './http-error.ts';
export { NUMERIC_ID_PATTERN, numericId } from './ids.ts';
export {
  type Asker,
  confirmWithPerson,
  type ElicitForm,
  type ElicitResult,
  type InputRequest,
  InputRequired,
  type QuestionKind,
  type QuestionMethod,
} from './input.ts';
export { toJsonSchema } from './json-schema.ts';
export {
  honour,
  type ListenOffer,
  ListenRequestSchema,
  MAX_RESOURCE_SUBSCRIPTIONS,
  MAX_SUBSCRIPTION_URI_LENGTH,
  SUBSCRIPTION_ID,
  type SubscriptionFilter,
} from './listen-filter.ts';
export {
  createListens,
  DEFAULT_MAX_LISTENS,
  DEFAULT_MAX_LISTENS_PER_CALLER,
  type Listen,
  type ListenLimits,
  type ListenSink,
  type Listens,
  type ListensObserver,
  listensFor,
  TOO_MANY_LISTENS,
} from './listens.ts';
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
  loadMallocTrim,
  type MemoryTrim,
  type MemoryTrimOptions,
  startMemoryTrim,
  type TrimFunction,
} from './memory-trim.ts';
export {
  ProtocolError,
  protocolError,
  RPC_ERROR,
  type RpcErrorKind,
  toProtocolError,
} from './protocol-error.ts';
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
  type RedisDownPolicy,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from './rate-limit-redis.ts';
export { connectRedis, type RedisLink, type RedisLinkOptions, redisTarget } from './redis.ts';
export {
  type BusHandler,
  type BusStats,
  createRedisBus,
  MAX_BUS_MESSAGE_BYTES,
  type RedisBus,
} from './redis-bus.ts';
export {
  createRequestStateCodec,
  type RequestBinding,
  type RequestStateCodec,
  RequestStateError,
  type RequestStateOptions,
  type RequestStateProblem,
} from './request-state.ts';
export { DEFAULT_MAX_RESPONSE_BYTES } from './response-body.ts';
export { callerFrom, createSdkServer, type SdkServerOptions } from './sdk-server.ts';
export {
  type AcquireOptions,
  type Release,
  Semaphore,
  type SemaphoreOptions,
  type SemaphoreStats,
} from './semaphore.ts';
export {
  type AnyPrompt,
  type AnyTool,
  type CallerIdentity,
  type Completer,
  type ContentBlock,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineServer,
  defineTool,
  type HandlerContext,
  type InputSchema,
  inputObject,
  type LoggingLevel,
  type PromptDefinition,
  type PromptMessage,
  type ReadinessCheck,
  type ResourceBody,
  type ResourceDefinition,
  type ResourcePage,
  type ResourceTemplateDefinition,
  type ServerDefinition,
  type TaskSupport,
  type ToolAnnotations,
  type ToolContent,
  type ToolDefinition,
} from './server.ts';
export { type ConnectSharedOptions, connectShared, type SharedRedis, shareChanges } from './shared.ts';
export { type RunningStdio, runStdio, type StdioOptions } from './stdio.ts';
export { LineTransport } from './stdio-transport.ts';
export type { TaskEvent, TaskOptions } from './tasks/engine.ts';
export {
  createMemoryTaskStore,
  type MemoryTaskStoreOptions,
  type TaskError,
  type TaskRecord,
  type TaskRelay,
  type TaskStatus,
  type TaskStore,
} from './tasks/store.ts';
export {
  createRedisTaskStore,
  type RedisTaskStore,
  type RedisTaskStoreOptions,
} from './tasks/store-redis.ts';
export { TASKS_EXTENSION } from './tasks/wire.ts';
export { type DbCall, traceDbCall } from './tracing/db-span.ts';
export type { TraceCarrier } from './tracing/propagation.ts';
export { startTracing, type Tracing, type TracingOptions, tracingConfigured } from './tracing/setup.ts';
export { tracingActive } from './tracing/spans.ts';
