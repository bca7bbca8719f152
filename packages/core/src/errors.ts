import { randomBytes } from 'node:crypto';

/**
 * The codes an error can carry. A tool error result's text starts with one of them, so an agent
 * (or a person) can tell what kind of failure it met before reading the message.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'QUEUE_FULL',
  'TIMEOUT',
  'CANCELLED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  cause?: unknown;
  /** Safe, structured facts for the caller (never secrets): the field at fault, a retry delay. */
  details?: Record<string, unknown>;
}

/**
 * An error that is part of the contract: its code and message are meant for the caller and are
 * returned as they are. Anything else thrown is treated as internal and hidden.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** An issue as zod (v3 or v4) reports it; only the fields used here. */
export interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  /** zod's `unrecognized_keys` issue lists the unknown keys here. */
  keys?: ReadonlyArray<string>;
}

/** Formats a path the way a caller writes it: `items[2].name`; the root is `(input)`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(input)' : out;
}

/**
 * Turns schema issues into one `INVALID_INPUT` error whose message names every field at fault:
 * `user_id: expected integer, received string; email: invalid email`.
 */
export function invalidInput(issues: ReadonlyArray<SchemaIssue>, what = 'invalid input'): AppError {
  const { text, fields } = describeIssues(issues);
  return new AppError('INVALID_INPUT', text ? `${what}: ${text}` : what, { details: { fields } });
}

/** `a: msg; b[0]: msg` and the distinct field paths, for any message that reports schema issues. */
/** Issues named in one error; the rest are counted (an error stays small whatever was sent). */
const MAX_ISSUES_SHOWN = 20;

export function describeIssues(input: ReadonlyArray<SchemaIssue>): { text: string; fields: string[] } {
  // one entry per unknown key, named by its own path: `extra: unknown field`
  const issues = input.flatMap((issue): SchemaIssue[] =>
    issue.code === 'unrecognized_keys' && issue.keys?.length
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown field' }))
      : [issue],
  );
  // bounded however many fields were wrong: the first ones, and how many more
  const shown = issues.slice(0, MAX_ISSUES_SHOWN);
  const more = issues.length - shown.length;
  const text =
    shown.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`).join('; ') +
    (more > 0 ? `; and ${more} more` : '');
  return { text, fields: [...new Set(shown.map((issue) => formatIssuePath(issue.path)))] };
}

/** The `_meta` key under which a tool error result carries its facts as data. */
export const ERROR_META_KEY = 'mcp-stack/error';

/**
 * What a client reads from a tool error result's `_meta["mcp-stack/error"]` (the same as the text,
 * as data): the code, the fields at fault, whether and when to retry, and the log reference.
 * In `_meta` rather than `structuredContent`, which SDK clients check against the tool's output
 * schema even on an error.
 */
export interface ToolErrorData {
  code: ErrorCode;
  /** The message without its code prefix; no upstream address in it. */
  message: string;
  /** The arguments at fault (`user_id`, `tags[1]`), when the error is about some. */
  fields?: string[];
  /** Whether the same call may succeed later unchanged (a timeout, a rate limit, an outage). */
  retryable: boolean;
  /** How long to wait before retrying, when known. */
  retryAfterMs?: number;
  /** The reference the details were logged under (internal faults, scrubbed upstream messages). */
  ref?: string;
  /** The error's other safe facts (`AppError.details`), minus anything naming an upstream address. */
  details?: Record<string, unknown>;
}

/** The shape of an MCP `tools/call` result that reports a failure. */
export interface ToolErrorResult {
  [key: string]: unknown;
  isError: true;
  content: Array<{ type: 'text'; text: string }>;
  _meta: { [ERROR_META_KEY]: ToolErrorData };
}

/** The minimum a logger must offer for `toToolErrorResult` (pino's and core's loggers do). */
export interface ErrorLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface ToToolErrorOptions {
  logger?: ErrorLogger;
  /** Makes the reference id quoted to the caller and logged with the stack; injectable for tests. */
  newRef?: () => string;
}

export function newErrorRef(): string {
  return randomBytes(6).toString('hex');
}

/** Codes whose call may succeed unchanged later; `details.retryable` overrides. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'RATE_LIMITED',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'QUEUE_FULL',
  'TIMEOUT',
  'UNAVAILABLE',
]);

/** Failures of a service behind this server: logged whole, with a ref the caller gets. */
const UPSTREAM: ReadonlySet<ErrorCode> = new Set(['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT']);

// network addresses a client must never see: URLs of network schemes (their path is kept),
// IPv4/IPv6 literals and localhost with a port, and the host a DNS failure names
const NETWORK_URL =
  /\b(?:https?|wss?|postgres(?:ql)?|mysql|redis|rediss|amqps?|mongodb(?:\+srv)?):\/\/[^\s/?#'"`<>)]*/gi;
const ADDRESS =
  /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b|\[[0-9a-f:.]+\](?::\d{1,5})?|\blocalhost:\d{1,5}\b|\b(ENOTFOUND|EAI_AGAIN) \S+/gi;

/**
 * Text with every upstream address taken out: `GET http://10.0.0.5:8000/users/1 answered 503`
 * becomes `GET /users/1 answered 503`; a bare origin or an IP becomes `[upstream]`.
 */
export function scrubAddresses(text: string): string {
  return text
    .replace(NETWORK_URL, (match: string, offset: number, whole: string) =>
      whole[offset + match.length] === '/' ? '' : '[upstream]',
    )
    .replace(ADDRESS, (_match: string, dns?: string) => (dns ? `${dns} [upstream]` : '[upstream]'));
}

/**
 * The one place a thrown value becomes what a caller sees. An `AppError` keeps its code and
 * message (`NOT_FOUND: no user with id 42`), with its facts as data in
 * `_meta["mcp-stack/error"]` (`ToolErrorData`). Anything else is an internal fault: the caller gets
 * `INTERNAL: internal error (ref: ID)` and the stack is logged under that id, never returned. An
 * upstream address in a message is taken out and the full message logged under a reference.
 */
export function toToolErrorResult(error: unknown, options: ToToolErrorOptions = {}): ToolErrorResult {
  const described = describeError(error, options);
  return {
    isError: true,
    content: [{ type: 'text', text: described.text }],
    _meta: { [ERROR_META_KEY]: described.data },
  };
}

/** The code, caller-facing text and data of any thrown value, logging internal faults (see above). */
export function describeError(
  error: unknown,
  options: ToToolErrorOptions = {},
): { code: ErrorCode; text: string; ref?: string; data: ToolErrorData } {
  if (isAppError(error)) {
    const message = scrubAddresses(error.message);
    let ref: string | undefined;
    if (message !== error.message || UPSTREAM.has(error.code)) {
      // an upstream failure, or a message without its address: the operator finds the whole
      // error (URL, status, cause) under the ref the caller quotes
      ref = (options.newRef ?? newErrorRef)();
      options.logger?.error({ ref, err: error }, 'upstream failure');
    }
    const text = `${error.code}: ${message}${ref ? ` (ref: ${ref})` : ''}`;
    return { code: error.code, text, ...(ref && { ref }), data: errorData(error, message, ref) };
  }
  const ref = (options.newRef ?? newErrorRef)();
  options.logger?.error({ ref, err: error }, 'internal error');
  return {
    code: 'INTERNAL',
    text: `INTERNAL: internal error (ref: ${ref})`,
    ref,
    data: { code: 'INTERNAL', message: 'internal error', retryable: false, ref },
  };
}

function errorData(error: AppError, message: string, ref: string | undefined): ToolErrorData {
  const { fields, field, retryable, retryAfterMs, ...rest } = error.details ?? {};
  const named = [
    ...(Array.isArray(fields) ? fields.filter((f): f is string => typeof f === 'string') : []),
    ...(typeof field === 'string' ? [field] : []),
  ];
  const details = safeDetails(rest);
  return {
    code: error.code,
    message,
    ...(named.length > 0 && { fields: [...new Set(named)] }),
    retryable: typeof retryable === 'boolean' ? retryable : RETRYABLE.has(error.code),
    ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && { retryAfterMs }),
    ...(ref && { ref }),
    ...(details && { details }),
  };
}

/** Details a client may see: JSON values, no `url`, addresses scrubbed, bounded in depth. */
function safeDetails(details: Record<string, unknown>, depth = 0): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (key === 'url' || key === 'cause' || value === undefined) continue;
    const safe = safeValue(value, depth);
    if (safe !== undefined) out[key] = safe;
  }
  return Object.keys(out).length ? out : undefined;
}

function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubAddresses(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (depth >= 3) return undefined;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => safeValue(item, depth + 1) ?? null);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return safeDetails(value as Record<string, unknown>, depth + 1);
  return undefined;
}
