import { pino } from 'pino';
import type { LogLevel } from './config.ts';

export type Logger = pino.Logger;
export type { LogLevel };

const REDACTED = '[redacted]';
const MAX_DEPTH = 12;

/** Field names whose values are secrets, wherever they sit in a logged object. */
export const SECRET_FIELD =
  /pass(word|wd|phrase)?$|^pwd$|secret|token|authorization|cookie|api[-_]?keys?$|^x-api-key$|private[-_]?key|credentials?$/i;

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const SECRET_QUERY_PARAM =
  /([?&;][^=&#\s]*?(?:api[-_]?key|apikey|token|secret|password|passwd|pwd|signature|sig|key|auth|code|session)[^=&#\s]*=)[^&#\s]*/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/g;

/** Hides credentials inside free text: URL user info, secret query parameters, auth schemes. */
export function redactString(text: string): string {
  if (!text.includes('@') && !text.includes('=') && !/Bearer|Basic|Token/.test(text)) return text;
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_QUERY_PARAM, `$1${REDACTED}`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
}

/**
 * A copy of `value` with secrets hidden: values under secret field names at any depth, and
 * credentials inside strings (URLs, auth headers). Errors become plain objects (message, stack,
 * code, cause) so their text is redacted too.
 */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value, 0, new WeakSet());
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return redactValue({ ...pino.stdSerializers.err(value) }, depth + 1, seen);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  if (value instanceof URL) return redactString(value.href);
  // by tag, not `instanceof Headers`: reading the global loads Node's fetch (undici), 15 ms of
  // every start for a logger that may never see one
  if (Object.prototype.toString.call(value) === '[object Headers]')
    return redactValue(Object.fromEntries(value as Headers), depth + 1, seen);
  if (value instanceof Map) return redactValue(Object.fromEntries(value), depth + 1, seen);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_FIELD.test(key) && item != null && item !== '' ? REDACTED : redactValue(item, depth + 1, seen);
  }
  return out;
}

export interface CreateLoggerOptions {
  /** Default `info`; `LOG_LEVEL` read through config. */
  level?: LogLevel;
  /** Names the service in every line. */
  name?: string;
  /** Where lines go; default stderr (fd 2), because stdout carries stdio JSON-RPC. */
  destination?: pino.DestinationStream;
  /** Fields in every line. */
  base?: Record<string, unknown>;
}

/**
 * Structured JSON logs (pino) to stderr, never stdout. Secrets are redacted wherever they sit:
 * fields such as `args.password` or `headers.authorization`, and credentials in URLs and messages.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  const logger = pino(
    {
      level: options.level ?? 'info',
      ...(options.name !== undefined && { name: options.name }),
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      // errors are made plain by the redaction above; keep pino's own err serializer out of the way
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          // pino takes a lone Error's message as the line's message: redact that too
          const [first] = args;
          const withMessage =
            first instanceof Error && typeof args[1] !== 'string' ? [{ err: first }, first.message] : args;
          const redacted = withMessage.map((arg) => (typeof arg === 'string' ? redactString(arg) : arg));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  // pino applies no formatter to a child's bindings; redact them here. Children are made with
  // Object.create(parent), so every descendant inherits this method.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings) as pino.Bindings, childOptions);
  } as typeof logger.child;
  return logger;
}

/** A child logger whose every line carries the request id. */
export function withRequestId(logger: Logger, requestId: string | number): Logger {
  return logger.child({ requestId });
}

/** A logger that writes nothing: for tests and library use without logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
