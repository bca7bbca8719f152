#!/usr/bin/env node
// create-mcp-server: scaffolds a new server in this workspace (see --help).
import { HELP, parseArgs, UsageError } from './args.ts';
import { ScaffoldError, scaffold } from './scaffold.ts';
import { findRoot } from './workspace.ts';

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`create-mcp-server: ${error.message}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!args.name) {
    console.error('create-mcp-server: give the new server a name: pnpm create-server <name> (see --help)');
    return 2;
  }
  // pnpm runs root scripts from the root; INIT_CWD is where the user typed the command
  const root = args.root ?? findRoot(process.env.INIT_CWD ?? process.cwd());
  if (!root) {
    console.error(
      'create-mcp-server: no pnpm-workspace.yaml here or above; run it inside the workspace or pass --root',
    );
    return 2;
  }
  try {
    await scaffold({
      name: args.name,
      root,
      include: args.include,
      exclude: args.exclude,
      format: args.format,
      ...(args.fromOpenApi && { fromOpenApi: args.fromOpenApi }),
      ...(args.port !== undefined && { port: args.port }),
      ...(args.description && { description: args.description }),
    });
    return 0;
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    console.error(`create-mcp-server: ${error.message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('create-mcp-server: unexpected failure:', error);
    process.exitCode = 1;
  },
);
