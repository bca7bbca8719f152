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

/** The shape of an MCP `tools/call` result that reports a failure. */
export interface ToolErrorResult {
  [key: string]: unknown;
  isError: true;
  content: Array<{ type: 'text'; text: string }>;
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

/**
 * The one place a thrown value becomes what a caller sees. An `AppError` keeps its code and
 * message (`NOT_FOUND: no user with id 42`). Anything else is an internal fault: the caller gets
 * `INTERNAL: internal error (ref: ID)` and the stack is logged under that id, never returned.
 */
export function toToolErrorResult(error: unknown, options: ToToolErrorOptions = {}): ToolErrorResult {
  return { isError: true, content: [{ type: 'text', text: describeError(error, options).text }] };
}

/** The code and caller-facing text of any thrown value, logging internal faults (see above). */
export function describeError(
  error: unknown,
  options: ToToolErrorOptions = {},
): { code: ErrorCode; text: string; ref?: string } {
  if (isAppError(error)) return { code: error.code, text: `${error.code}: ${error.message}` };
  const ref = (options.newRef ?? newErrorRef)();
  options.logger?.error({ ref, err: error }, 'internal error');
  return { code: 'INTERNAL', text: `INTERNAL: internal error (ref: ${ref})`, ref };
}
