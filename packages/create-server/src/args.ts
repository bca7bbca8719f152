/** What `create-mcp-server` was asked to do. */
export interface Args {
  name?: string;
  fromOpenApi?: string;
  include: string[];
  exclude: string[];
  root?: string;
  port?: number;
  description?: string;
  format: boolean;
  help: boolean;
}

export const HELP = `create-mcp-server: add a domain MCP server to this workspace

Usage: pnpm create-server <name> [options]

  <name>                       lowercase, a-z 0-9 and dashes: billing, order-history
  --from-openapi <file|url>    one tool per operation of an OpenAPI 3.0/3.1 document (JSON or YAML)
  --include <tag|operationId>  only these operations (repeat, or comma-separated)
  --exclude <tag|operationId>  not these operations (repeat, or comma-separated)
  --port <n>                   the server's port (default: the next free one from 3004)
  --description <text>         one line: what the server offers
  --root <dir>                 the workspace (default: the one around the current folder)
  --no-format                  do not run biome on the new files
  -h, --help                   this text

Writes servers/<name> (never over an existing folder) and adds the server to
docker-compose.yml, scripts/stack.ts (pnpm start) and the Dockerfile.
Exit codes: 0 done, 1 could not scaffold, 2 bad usage.`;

export class UsageError extends Error {}

export function parseArgs(argv: ReadonlyArray<string>): Args {
  const args: Args = { include: [], exclude: [], format: true, help: false };
  const list = (value: string) =>
    value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--from-openapi':
        args.fromOpenApi = value();
        break;
      case '--include':
        args.include.push(...list(value()));
        break;
      case '--exclude':
        args.exclude.push(...list(value()));
        break;
      case '--root':
        args.root = value();
        break;
      case '--description':
        args.description = value();
        break;
      case '--no-format':
        args.format = false;
        break;
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 1 || port > 65_535)
          throw new UsageError('--port: expected an integer from 1 to 65535');
        args.port = port;
        break;
      }
      default:
        if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag} (see --help)`);
        if (args.name !== undefined) throw new UsageError(`one name only: got ${args.name} and ${flag}`);
        args.name = flag;
    }
  }
  return args;
}
