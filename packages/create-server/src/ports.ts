import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The contract: new servers take the next free port from here. */
export const FIRST_NEW_PORT = 3004;

/** `port: 3003` in a server's cli.ts (or bin.ts). */
const CLI_PORT = /\bport:\s*(\d{2,5})\b/g;
/** `127.0.0.1:${DEMO_MCP_PORT:-3003}:3003`, `:-3003}`, `"8000:8000"` in the compose file. */
const COMPOSE_PORT = /(?::-|:)(\d{4,5})\b/g;
/** `'DEMO_MCP_PORT', 3003` and `port('USERS_API_PORT', 8000)` in scripts/stack.ts. */
const STACK_PORT = /'[A-Z_]+PORT',\s*(\d{2,5})\b/g;

function numbers(text: string, pattern: RegExp): number[] {
  return [...text.matchAll(pattern)].map((m) => Number(m[1]));
}

function read(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Every port the workspace's servers, compose file and stack runner already use. */
export function usedPorts(root: string): Set<number> {
  const used = new Set<number>();
  for (const folder of ['servers', 'services']) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      for (const file of ['cli.ts', 'bin.ts', 'options.ts']) {
        for (const port of numbers(read(join(dir, entry.name, 'src', file)), CLI_PORT)) used.add(port);
      }
    }
  }
  for (const port of numbers(read(join(root, 'docker-compose.yml')), COMPOSE_PORT)) used.add(port);
  for (const port of numbers(read(join(root, 'scripts', 'stack.ts')), STACK_PORT)) used.add(port);
  return used;
}

/** The next port from 3004 that nothing in the workspace uses. */
export function nextFreePort(used: ReadonlySet<number>, from = FIRST_NEW_PORT): number {
  let port = from;
  while (used.has(port)) port++;
  if (port > 65_535) throw new Error(`no free port from ${from}`);
  return port;
}
