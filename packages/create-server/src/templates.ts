import type { ServerNames } from './names.ts';

/** A file of the new package: its path inside the package folder and its text. */
export interface GeneratedFile {
  path: string;
  text: string;
}

export interface PackagePlan {
  names: ServerNames;
  port: number;
  /** One line: what the server offers (package.json, --help). */
  description: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The files every server package has, whatever its tools: manifest, configs, entry points. */
export function commonFiles({ names, port, description }: PackagePlan): GeneratedFile[] {
  const cli = `${names.camel}Cli`;
  return [
    {
      path: 'package.json',
      text: json({
        name: names.packageName,
        version: '0.1.0',
        description,
        license: 'MIT',
        type: 'module',
        engines: { node: '>=22.14' },
        // under publishConfig: pnpm pack makes it the bin, and a workspace install does not warn
        // that dist/bin.js is missing before the first build
        publishConfig: { bin: { [names.bin]: './dist/bin.js' } },
        files: ['dist', 'README.md'],
        exports: {
          '.': {
            '@mcp-stack/source': './src/index.ts',
            types: './dist/index.d.ts',
            default: './dist/index.js',
          },
          './package.json': './package.json',
        },
        scripts: {
          build: 'tsc -p tsconfig.build.json && node ../../scripts/bundle-bins.ts',
          typecheck: 'tsc -p tsconfig.json --noEmit',
          test: 'vitest run',
        },
        dependencies: { '@mcp-stack/core': 'workspace:*', zod: 'catalog:' },
        devDependencies: {
          '@types/node': 'catalog:',
          typescript: 'catalog:',
          vitest: 'catalog:',
          '@modelcontextprotocol/sdk': 'catalog:',
        },
      }),
    },
    {
      path: 'tsconfig.json',
      text: `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src", "test", "vitest.config.ts"]
}
`,
    },
    {
      path: 'tsconfig.build.json',
      text: `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "noEmit": false },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts", "src/**/test-fixtures/**"]
}
`,
    },
    {
      path: 'vitest.config.ts',
      text: `import { packageTests } from '../../vitest.shared.ts';

export default packageTests('${names.name}');
`,
    },
    {
      path: 'src/bin.ts',
      text: `#!/usr/bin/env node
// ${names.bin}: stdio by default, --http for Streamable HTTP (see --help).
import { startCli } from '@mcp-stack/core';
import { ${cli} } from './cli.ts';

startCli(${cli});
`,
    },
    {
      path: 'src/http.ts',
      text: `// Entry: the ${names.name} server over Streamable HTTP (port ${port} unless --port or MCP_PORT says otherwise).
import { startCli } from '@mcp-stack/core';
import { ${cli} } from './cli.ts';

startCli(${cli}, { argv: ['--http', ...process.argv.slice(2)] });
`,
    },
    {
      path: 'src/stdio.ts',
      text: `// Entry: the ${names.name} server over stdio, whatever MCP_TRANSPORT says.
import { startCli } from '@mcp-stack/core';
import { ${cli} } from './cli.ts';

startCli(${cli}, {
  argv: process.argv.slice(2).filter((arg) => arg !== '--http'),
  env: { ...process.env, MCP_TRANSPORT: 'stdio' },
});
`,
    },
    {
      path: 'src/version.ts',
      text: `import { createRequire } from 'node:module';

/** The package's version, from its package.json (one source of truth). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
`,
    },
  ];
}

/** The files of a server written by hand: one example tool, its tests, and the e2e tests. */
export function handFiles(plan: PackagePlan): GeneratedFile[] {
  const { names, port } = plan;
  const create = `create${names.pascal}Server`;
  const deps = `${names.pascal}Deps`;
  const cli = `${names.camel}Cli`;
  const greetingVar = `${names.constant}_GREETING`;
  return [
    ...commonFiles(plan),
    {
      path: 'src/index.ts',
      text: `// The public API of ${names.packageName}, by name.
export { ${cli} } from './cli.ts';
export { ${create}, ${names.constant}_NAME, type ${deps} } from './server.ts';
export { VERSION } from './version.ts';
`,
    },
    {
      path: 'src/cli.ts',
      text: `import type { ServerCli } from '@mcp-stack/core';
import { z } from 'zod';
import { ${create} } from './server.ts';
import { VERSION } from './version.ts';

const options = {
  greeting: {
    env: '${greetingVar}',
    description: 'the word say_hello greets with',
    defaultText: 'Hello',
    schema: z.string().min(1).max(64).default('Hello'),
  },
};

/** The ${names.name} server's bin: core's CLI with the server's own options. */
export const ${cli}: ServerCli<typeof options> = {
  bin: '${names.bin}',
  version: VERSION,
  description: ${JSON.stringify(plan.description).replace(/^"|"$/g, "'")},
  port: ${port},
  options,
  create: ({ greeting }) => ${create}({ greeting, version: VERSION }),
};
`,
    },
    {
      path: 'src/server.ts',
      text: `import { defineServer, type ServerDefinition } from '@mcp-stack/core';
import { sayHelloTool } from './tools/say-hello.ts';

export const ${names.constant}_NAME = '${names.name}';

export interface ${deps} {
  /** What say_hello greets with (${greetingVar}). */
  greeting: string;
  version: string;
}

/** The ${names.name} server: its tools, resources and prompts, built from its dependencies. */
export function ${create}(deps: ${deps}): ServerDefinition {
  return defineServer({
    name: ${names.constant}_NAME,
    version: deps.version,
    instructions: 'The ${names.name} server. Tools: say_hello (an example: replace it with your own).',
    tools: [sayHelloTool(deps.greeting)],
  });
}
`,
    },
    {
      path: 'src/tools/say-hello.ts',
      text: `import { defineTool } from '@mcp-stack/core';
import { z } from 'zod';

/** The example tool of a new server: copy its shape for your own, then delete it. */
export function sayHelloTool(greeting: string) {
  return defineTool({
    name: 'say_hello',
    title: 'Say hello',
    description: 'Greets someone by name and returns the greeting as { message }.',
    input: { name: z.string().min(1).max(100).describe('who to greet') },
    output: z.object({ message: z.string() }),
    // all four hints, explicit (core's agent contract)
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    handler: ({ name }) => ({ message: \`\${greeting}, \${name}!\` }),
  });
}
`,
    },
    {
      path: 'src/server.test.ts',
      text: `import { connectInMemory, errorDataOf, expectAgentContract } from '@mcp-stack/core/testing';
import { describe, expect, it } from 'vitest';
import { ${create} } from './server.ts';

describe('the ${names.name} server', () => {
  it('keeps the agent contract (core/testing)', () => {
    expectAgentContract(${create}({ greeting: 'Hi', version: '0.0.0' }));
  });

  it('lists say_hello and greets', async () => {
    const { client, close } = await connectInMemory(${create}({ greeting: 'Hi', version: '0.0.0' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['say_hello']);
      expect(tools[0]?.annotations).toMatchObject({ readOnlyHint: true });
      const result = await client.callTool({ name: 'say_hello', arguments: { name: 'Ada' } });
      expect(result.structuredContent).toEqual({ message: 'Hi, Ada!' });
    } finally {
      await close();
    }
  });

  it('refuses bad arguments with a message naming the field', async () => {
    const { client, close } = await connectInMemory(${create}({ greeting: 'Hi', version: '0.0.0' }));
    try {
      const result = await client.callTool({ name: 'say_hello', arguments: { name: '' } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('INVALID_INPUT');
      // the code and the field as data, for an agent
      expect(errorDataOf(result)).toMatchObject({ code: 'INVALID_INPUT', fields: ['name'] });
    } finally {
      await close();
    }
  });
});
`,
    },
    e2eFile(
      names,
      { [greetingVar]: 'Howdy' },
      `const result = await client.callTool({ name: 'say_hello', arguments: { name: 'Ada' } });
  expect(result.structuredContent).toEqual({ message: 'Howdy, Ada!' });
  return result.content;`,
      ['say_hello'],
    ),
    { path: 'README.md', text: handReadme(plan) },
  ];
}

/** One spawned-process test per entry point: the bin over stdio, and over HTTP. */
export function e2eFile(
  names: ServerNames,
  env: Record<string, string>,
  exercise: string,
  tools: string[],
  setup = '',
): GeneratedFile {
  const envText = JSON.stringify(env);
  return {
    path: 'src/e2e.test.ts',
    text: `import { fileURLToPath } from 'node:url';
import { type Connected, connectHttp, type SpawnedHttp, spawnHttp, spawnStdio } from '@mcp-stack/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@mcp-stack/source', BIN];
${setup}
async function exercise({ client }: Connected) {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(${JSON.stringify(tools)});
  ${exercise}
}

describe('the ${names.name} bin over stdio', () => {
  it('lists and calls its tools', async () => {
    const connected = await spawnStdio(process.execPath, NODE_ARGS, { env: ENV() });
    try {
      await exercise(connected);
    } finally {
      await connected.close();
    }
  }, 30_000);
});

describe('the ${names.name} bin over HTTP', () => {
  let server: SpawnedHttp;
  beforeAll(async () => {
    server = await spawnHttp(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], { env: ENV() });
  }, 20_000);
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('lists and calls its tools', async () => {
    const connected = await connectHttp(server.url);
    try {
      await exercise(connected);
    } finally {
      await connected.close();
    }
  }, 30_000);
});

function ENV(): Record<string, string> {
  return ${envText};
}
`,
  };
}

function handReadme({ names, port, description }: PackagePlan): string {
  return `# ${names.packageName}

${description}

Bin: \`${names.bin}\` (stdio by default, \`--http\` for Streamable HTTP on port ${port}).

Made by \`pnpm create-server ${names.name}\`: a starting point. Replace the example tool with
your own, one file per tool in \`src/tools/\`, and list them in \`src/server.ts\`.

## Tools

| tool | arguments | returns | annotations |
|---|---|---|---|
| \`say_hello\` | \`name\` (1-100 characters) | \`{ message }\` | read-only, idempotent, closed world |

Every tool keeps core's agent contract, and \`src/server.test.ts\` checks it with
\`expectAgentContract\` (\`@mcp-stack/core/testing\`): a snake_case verb for a name, a description
that says what it returns, every argument described and bounded, all four annotations, an output
schema for data, numeric ids through \`numericId()\` (\`42\` or \`"42"\`), resource URIs that start
with \`${names.name}://\`.

## Configuration

| flag | env | default | |
|---|---|---|---|
| | \`${names.constant}_GREETING\` | \`Hello\` | what \`say_hello\` greets with |

Plus every flag and variable core's CLI shares (\`--http\`, \`--host\`, \`--port\`, \`--stateful\`,
\`MCP_API_KEYS\`, \`MCP_ALLOWED_ORIGINS\`, \`LOG_LEVEL\`, …): \`${names.bin} --help\` lists them all.

## Running

From the repository, after \`pnpm install && pnpm build\`:

\`\`\`sh
node servers/${names.name}/dist/bin.js            # stdio: for an MCP client to launch
node servers/${names.name}/dist/bin.js --http     # http://127.0.0.1:${port}/mcp
\`\`\`

\`pnpm start\` runs it with the rest of the stack (\`${names.constant}_MCP_PORT\` moves it), and
\`docker compose up --build\` runs it in a container on 127.0.0.1:${port}.

### Claude Desktop (\`claude_desktop_config.json\`)

\`\`\`json
{
  "mcpServers": {
    "mcp-stack-${names.name}": {
      "command": "node",
      "args": ["/absolute/path/to/mcp-stack/servers/${names.name}/dist/bin.js"]
    }
  }
}
\`\`\`

### VS Code (\`.vscode/mcp.json\`), over HTTP

\`\`\`json
{ "servers": { "mcp-stack-${names.name}": { "type": "http", "url": "http://127.0.0.1:${port}/mcp" } } }
\`\`\`

## Tests

\`pnpm --filter ${names.packageName} test\`: the tools through an in-memory client
(\`src/server.test.ts\`), and the bin spawned over stdio and over HTTP (\`src/e2e.test.ts\`).
`;
}
