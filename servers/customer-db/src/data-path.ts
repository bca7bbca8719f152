// Where the database lives by default: the contract's data directory (an npx server may start in
// any working directory, so never relative to it).
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Env } from '@mcp-stack/core';

export const DB_FILE = 'customer-db.sqlite';

/** `$MCP_STACK_DATA_DIR/customer-db.sqlite`, else `${XDG_DATA_HOME:-~/.local/share}/mcp-stack/…`. */
export function defaultDbPath(env: Env, home: string = homedir()): string {
  if (env.MCP_STACK_DATA_DIR) return join(env.MCP_STACK_DATA_DIR, DB_FILE);
  // the XDG spec says to ignore a relative XDG_DATA_HOME
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : undefined;
  return join(xdg ?? join(home, '.local', 'share'), 'mcp-stack', DB_FILE);
}

export const DEFAULT_DB_PATH_TEXT =
  '$MCP_STACK_DATA_DIR/customer-db.sqlite, else (XDG_DATA_HOME or ~/.local/share)/mcp-stack/customer-db.sqlite';
