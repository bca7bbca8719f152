import { z } from 'zod';

/** Variable names whose values are secrets: never echoed in an error, never logged. */
export const SECRET_NAME = /pass(word)?|secret|token|api_?keys?|private|credential|(^|_)keys?$/i;

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigProblem {
  /** The variable at fault, as the user sets it: `MCP_PORT`. */
  variable: string;
  /** What it expects, from the schema: `expected an integer from 0 to 65535`. */
  expected: string;
}

/** Start-up refused: one message naming every offending variable and what it expects. */
export class ConfigError extends Error {
  readonly problems: ReadonlyArray<ConfigProblem>;

  constructor(problems: ReadonlyArray<ConfigProblem>) {
    const lines = problems.map((p) => `  ${p.variable}: ${p.expected}`);
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** More variable names to treat as secrets, beyond those matching `SECRET_NAME`. */
  secrets?: ReadonlyArray<string>;
}

/**
 * Parses the environment once, at the edge, with a zod object whose keys are the variable names.
 * An empty value counts as unset. A bad or missing value throws one `ConfigError` naming every
 * offending variable; the value of a secret is never part of the message.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Env = process.env,
  options: LoadConfigOptions = {},
): z.output<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const extraSecrets = new Set(options.secrets ?? []);
  const byVariable = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? '(environment)');
    const value = input[variable];
    let expected = issue.code === 'invalid_type' && value === undefined ? 'is required' : issue.message;
    if (value !== undefined && (SECRET_NAME.test(variable) || extraSecrets.has(variable))) {
      expected = expected.split(value).join('[redacted]');
    }
    const list = byVariable.get(variable) ?? [];
    if (!list.includes(expected)) list.push(expected);
    byVariable.set(variable, list);
  }
  throw new ConfigError([...byVariable].map(([variable, list]) => ({ variable, expected: list.join('; ') })));
}

// Small building blocks for environment schemas, so every package reads values the same way.

/** `1/true/yes/on` or `0/false/no/off`, any case. */
export const envBoolean = () =>
  z.stringbool({
    truthy: ['1', 'true', 'yes', 'on'],
    falsy: ['0', 'false', 'no', 'off'],
    case: 'insensitive',
    error: 'expected a boolean: 1, true, yes, on, or 0, false, no, off',
  });

/** A whole number within [min, max]. */
export const envInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { error: `expected an integer from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `expected an integer from ${min} to ${max}` })
        .max(max, { error: `expected an integer from ${min} to ${max}` }),
    );

/** A number within [min, max] (decimals allowed). */
export const envNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, { error: `expected a number from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `expected a number from ${min} to ${max}` })
        .max(max, { error: `expected a number from ${min} to ${max}` }),
    );

/** A TCP port; 0 asks the system for a free one. */
export const envPort = () => envInt(0, 65535);

/** A comma-separated list; blanks dropped. */
export const envList = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

/** An absolute http(s) URL. */
export const envUrl = () =>
  z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' });

/** One of pino's levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const envLogLevel = () => z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` });
