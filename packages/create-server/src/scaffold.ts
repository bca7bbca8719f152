import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { nameProblem, type ServerNames, serverNames } from './names.ts';
import { loadOpenApi } from './openapi/load.ts';
import { mapOpenApi } from './openapi/map.ts';
import { openApiFiles } from './openapi/render.ts';
import { sampleCall } from './openapi/sample.ts';
import { nextFreePort, usedPorts } from './ports.ts';
import { type GeneratedFile, handFiles } from './templates.ts';
import {
  type DeployTarget,
  type Edit,
  editCompose,
  editDockerfile,
  editStack,
  readIfThere,
} from './workspace.ts';
import { writeFiles } from './write.ts';

export interface ScaffoldOptions {
  name: string;
  /** The workspace root. */
  root: string;
  description?: string;
  /** Default: the next free port from 3004. */
  port?: number;
  fromOpenApi?: string;
  include?: string[];
  exclude?: string[];
  /** Format the new files with the workspace's biome (default true when it is installed). */
  format?: boolean;
  /** The biome binary (default: the workspace's node_modules/.bin/biome). */
  biome?: string;
  /** Where each step is told (default: stdout). */
  say?: (line: string) => void;
  fetch?: typeof fetch;
}

export interface ScaffoldResult {
  names: ServerNames;
  port: number;
  dir: string;
  files: string[];
  warnings: string[];
  /** Workspace files that could not be edited, with what to do by hand. */
  byHand: string[];
}

/** A problem the user can fix (a bad name, an unreadable document): exit code 1, no stack trace. */
export class ScaffoldError extends Error {}

export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { root, name } = options;
  const problem = nameProblem(name, root);
  if (problem) throw new ScaffoldError(problem);
  const names = serverNames(name);
  const dir = join(root, 'servers', name);
  const used = usedPorts(root);
  if (options.port !== undefined && used.has(options.port)) {
    throw new ScaffoldError(
      `port ${options.port} is already used in this workspace; leave --port out to pick a free one`,
    );
  }
  const port = options.port ?? nextFreePort(used);
  say(`• name ${name}: package ${names.packageName}, bin ${names.bin}, port ${port}`);

  let files: GeneratedFile[];
  const warnings: string[] = [];
  let extraEnv: Record<string, string> = {};
  if (options.fromOpenApi) {
    say(`• reading ${options.fromOpenApi}`);
    let doc: Record<string, unknown>;
    try {
      doc = await loadOpenApi(options.fromOpenApi, options.fetch);
    } catch (error) {
      throw new ScaffoldError((error as Error).message);
    }
    const mapping = mapOpenApi(doc, {
      ...(options.include && { include: options.include }),
      ...(options.exclude && { exclude: options.exclude }),
    });
    for (const warning of mapping.warnings) say(`  warning: ${warning}`);
    warnings.push(...mapping.warnings);
    if (mapping.tools.length === 0) {
      throw new ScaffoldError(
        'no operation of the document became a tool (see the warnings, --include and --exclude)',
      );
    }
    say(`• ${mapping.tools.length} tools: ${mapping.tools.map((t) => t.name).join(', ')}`);
    const description =
      options.description ?? `${mapping.title} as MCP tools (generated from its OpenAPI document)`;
    files = openApiFiles(
      { names, port, description, mapping, source: options.fromOpenApi },
      sampleCall(mapping.tools),
    );
    extraEnv = {
      [`${names.constant}_API_URL`]: `\${${names.constant}_API_URL:-${mapping.serverUrl ?? 'http://host.docker.internal:8080'}}`,
      [`${names.constant}_API_KEY`]: `\${${names.constant}_API_KEY:-}`,
    };
  } else {
    files = handFiles({ names, port, description: options.description ?? `${name} as MCP tools` });
  }

  if (existsSync(dir)) throw new ScaffoldError(`servers/${name} already exists; nothing was written`);
  writeFiles(dir, files);
  say(`• wrote servers/${name}/ (${files.length} files)`);

  const biome = options.biome ?? join(root, 'node_modules', '.bin', 'biome');
  if (options.format !== false) {
    if (existsSync(biome)) {
      const run = spawnSync(biome, ['check', '--write', relative(root, dir)], {
        cwd: root,
        encoding: 'utf8',
      });
      say(
        run.status === 0
          ? '• formatted with biome'
          : `  warning: biome check --write said: ${run.stderr.trim()}`,
      );
    } else {
      say('  warning: biome is not installed here yet: run `pnpm format` after `pnpm install`');
    }
  }

  const target: DeployTarget = { names, port, env: extraEnv };
  const byHand: string[] = [];
  const edits: Array<[string, (text: string, target: DeployTarget) => Edit]> = [
    ['docker-compose.yml', editCompose],
    ['scripts/stack.ts', editStack],
    ['Dockerfile', editDockerfile],
  ];
  for (const [file, edit] of edits) {
    const path = join(root, file);
    const text = readIfThere(path);
    if (text === undefined) {
      byHand.push(`${file} is missing; nothing to add`);
      say(`  warning: ${file} is missing`);
      continue;
    }
    const result = edit(text, target);
    if (result.ok) {
      writeFileSync(path, result.text);
      say(`• added ${name} to ${file}`);
    } else {
      byHand.push(`${file}: ${result.reason}. By hand, ${result.byHand}`);
      say(`  warning: could not edit ${file}: ${result.reason}. By hand, ${result.byHand}`);
    }
  }

  say('');
  say('Next:');
  say('  pnpm install');
  say(`  pnpm --filter ${names.packageName}... build`);
  say(`  pnpm --filter ${names.packageName} test`);
  say(`  node servers/${name}/dist/bin.js --help`);
  say(
    `  then edit servers/${name}/src/${options.fromOpenApi ? 'tools/*.ts' : 'tools/say-hello.ts and src/server.ts'}, and its README`,
  );
  return { names, port, dir, files: files.map((f) => f.path), warnings, byHand };
}
