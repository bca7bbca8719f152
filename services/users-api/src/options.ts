import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type Env, envLogLevel, envPort, type LogLevel, loadConfig } from '@mcp-stack/core';
import { z } from 'zod';

export interface BinConfig {
  host: string;
  port: number;
  dbPath: string;
  apiKey: string | undefined;
  logLevel: LogLevel;
}

export type BinParse = { kind: 'exit'; code: number; text: string } | { kind: 'run'; config: BinConfig };

const FLAGS: Record<string, string> = { '--host': 'USERS_API_HOST', '--port': 'USERS_API_PORT' };

const schema = z.object({
  USERS_API_HOST: z.string().default('127.0.0.1'),
  USERS_API_PORT: envPort().default(8000),
  USERS_DB_PATH: z.string().optional(),
  USERS_API_KEY: z.string().optional(),
  LOG_LEVEL: envLogLevel().default('info'),
  MCP_STACK_DATA_DIR: z.string().optional(),
  XDG_DATA_HOME: z.string().optional(),
});

export const HELP = `users-api: the users REST service (SQLite, scrypt password hashes, OpenAPI at /openapi.json)

Usage:
  users-api [--host 127.0.0.1] [--port 8000]

Options:
  --host <host>      address to bind (env USERS_API_HOST, default 127.0.0.1)
  --port <port>      port to listen on; 0 picks a free one (env USERS_API_PORT, default 8000)
  --help, --version

Environment:
  USERS_DB_PATH      the SQLite file, or :memory: (default $MCP_STACK_DATA_DIR/users.sqlite,
                     else \${XDG_DATA_HOME:-~/.local/share}/mcp-stack/users.sqlite)
  USERS_API_KEY      when set, every route but /healthz needs Authorization: Bearer <key>
  LOG_LEVEL          fatal, error, warn, info, debug, trace or silent (default info; logs go to stderr)`;

/** Reads argv (a flag wins over its variable) and the environment; never echoes USERS_API_KEY. */
export function parseBinArgs(argv: ReadonlyArray<string>, env: Env, version: string): BinParse {
  const values: Record<string, string | undefined> = { ...env };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'exit', code: 0, text: HELP };
    if (arg === '--version' || arg === '-v') return { kind: 'exit', code: 0, text: version };
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const variable = FLAGS[flag];
    if (!variable) return usage(`unknown ${arg.startsWith('-') ? 'option' : 'argument'} ${arg}`);
    const value = eq > 0 && flag !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value.startsWith('--')) return usage(`${flag} needs a value`);
    values[variable] = value;
  }
  try {
    const parsed = loadConfig(schema, values);
    return {
      kind: 'run',
      config: {
        host: parsed.USERS_API_HOST,
        port: parsed.USERS_API_PORT,
        dbPath: parsed.USERS_DB_PATH ?? defaultDbPath(parsed),
        apiKey: parsed.USERS_API_KEY,
        logLevel: parsed.LOG_LEVEL,
      },
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const message = error.message
      .replace('  USERS_API_HOST:', '  --host / USERS_API_HOST:')
      .replace('  USERS_API_PORT:', '  --port / USERS_API_PORT:');
    return { kind: 'exit', code: 2, text: `users-api: ${message}` };
  }
}

/** `$MCP_STACK_DATA_DIR/users.sqlite`, else `${XDG_DATA_HOME:-~/.local/share}/mcp-stack/users.sqlite`. */
export function defaultDbPath(
  env: { MCP_STACK_DATA_DIR?: string | undefined; XDG_DATA_HOME?: string | undefined },
  home: string = homedir(),
): string {
  if (env.MCP_STACK_DATA_DIR) return join(env.MCP_STACK_DATA_DIR, 'users.sqlite');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'mcp-stack', 'users.sqlite');
}

function usage(message: string): BinParse {
  return { kind: 'exit', code: 2, text: `users-api: ${message}\nRun users-api --help for the options.` };
}
