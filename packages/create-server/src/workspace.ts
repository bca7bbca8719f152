import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ServerNames } from './names.ts';

/** The line in scripts/stack.ts above which new servers are added. */
export const STACK_MARKER = '// create-server: new servers are added above this line';

/** The workspace root above `from`: the folder with pnpm-workspace.yaml. */
export function findRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** An edit of one workspace file: the new text, or why it could not be made and what to do by hand. */
export type Edit = { ok: true; text: string } | { ok: false; reason: string; byHand: string };

export interface DeployTarget {
  names: ServerNames;
  port: number;
  /** Extra environment for compose (the upstream API of a generated server). */
  env?: Record<string, string>;
}

export function composeBlock({ names, port, env = {} }: DeployTarget): string {
  const portVar = `\${${names.constant}_MCP_PORT:-${port}}`;
  const lines = [
    `  ${names.name}:`,
    '    <<: *mcp',
    `    build: { context: ., target: ${names.name} }`,
    `    image: mcp-stack/${names.name}:local`,
    '    environment:',
    '      <<: *mcp-env',
    ...Object.entries(env).map(([key, value]) => `      ${key}: ${value}`),
    `      MCP_ALLOWED_HOSTS: localhost:${portVar},127.0.0.1:${portVar}`,
    `      MCP_PUBLIC_URL: \${MCP_PUBLIC_URL_BASE:-http://localhost}:${portVar}`,
    `    ports: ["127.0.0.1:${portVar}:${port}"]`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Adds the server's service to docker-compose.yml: after the last service, before `volumes:`. */
export function editCompose(text: string, target: DeployTarget): Edit {
  const block = composeBlock(target);
  const byHand = `add under services: in docker-compose.yml:\n\n${block}`;
  if (!/^services:\s*$/m.test(text))
    return { ok: false, reason: 'it has no top-level `services:` key', byHand };
  if (new RegExp(`^  ${target.names.name}:\\s*$`, 'm').test(text)) {
    return { ok: false, reason: `it already has a service named ${target.names.name}`, byHand };
  }
  // above the services of the compose profiles (a `  # ---- profile …` line), else the next
  // top-level key after services (volumes:, networks:, ...), else the end of the file
  const servicesAt = text.search(/^services:\s*$/m);
  const rest = text.slice(servicesAt);
  const nextKey = rest.search(/^(?!services:)[A-Za-z_][\w-]*:/m);
  const profiles = rest.search(/^ {2}# -+ profile /m);
  const after = profiles !== -1 && (nextKey === -1 || profiles < nextKey) ? profiles : nextKey;
  if (after === -1) {
    const body = text.endsWith('\n') ? text : `${text}\n`;
    return { ok: true, text: `${body}\n${block}` };
  }
  const at = servicesAt + after;
  const before = text.slice(0, at).replace(/\n*$/, '\n');
  return { ok: true, text: `${before}\n${block}\n${text.slice(at)}` };
}

export function stackEntry({ names, port }: DeployTarget): string {
  return `  mcpServer('${names.name}', '${names.name} MCP', 'servers/${names.name}', '${names.constant}_MCP_PORT', ${port}, {}),`;
}

/** Adds the server to the `services` of scripts/stack.ts, above the marker line. */
export function editStack(text: string, target: DeployTarget): Edit {
  const entry = stackEntry(target);
  const byHand = `add to the services array in scripts/stack.ts:\n\n${entry}\n\n(and, once, the line \`  ${STACK_MARKER}\` at the end of that array, so the next server is added for you)`;
  if (text.includes(`'servers/${target.names.name}'`)) {
    return { ok: false, reason: `it already starts servers/${target.names.name}`, byHand };
  }
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.trim() === STACK_MARKER);
  if (at === -1) return { ok: false, reason: `the marker line \`${STACK_MARKER}\` is missing`, byHand };
  lines.splice(at, 0, entry);
  return { ok: true, text: lines.join('\n') };
}

export function dockerStage({ names, port }: DeployTarget): string {
  return [
    `FROM runtime AS ${names.name}`,
    `COPY --from=build --chown=node:node /out/server-${names.name} /app`,
    `ENV MCP_TRANSPORT=http MCP_HOST=0.0.0.0 MCP_PORT=${port}`,
    `EXPOSE ${port}`,
    'HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \\',
    `  CMD ["node", "-e", "fetch('http://127.0.0.1:${port}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
    'CMD ["node", "dist/bin.js"]',
    '',
  ].join('\n');
}

/** Adds the package.json COPY to the build stage, the package to the deploy loop, and a stage. */
export function editDockerfile(text: string, target: DeployTarget): Edit {
  const { name } = target.names;
  const copy = `COPY servers/${name}/package.json servers/${name}/`;
  const stage = dockerStage(target);
  const byHand = `in the Dockerfile: add \`${copy}\` with the other manifests, \`server-${name}\` to the \`for pkg in …\` deploy loop, and at the end:\n\n${stage}`;
  if (new RegExp(`^FROM .* AS ${name}\\s*$`, 'm').test(text)) {
    return { ok: false, reason: `it already has a stage named ${name}`, byHand };
  }
  const lines = text.split('\n');
  const lastCopy = lines.findLastIndex((line) =>
    /^COPY (servers|services|packages)\/[^ ]+\/package\.json /.test(line),
  );
  const loop = lines.findIndex((line) => /^RUN for pkg in [^;]*; do/.test(line));
  if (lastCopy === -1 || loop === -1) {
    return {
      ok: false,
      reason: 'it has no `COPY servers/<x>/package.json` line or no `RUN for pkg in …; do` deploy loop',
      byHand,
    };
  }
  lines[loop] = (lines[loop] ?? '').replace(/; do/, ` server-${name}; do`);
  lines.splice(lastCopy + 1, 0, copy);
  const body = lines.join('\n').replace(/\n*$/, '\n');
  return { ok: true, text: `${body}\n${stage}` };
}

/** Reads a workspace file, or '' when it is not there. */
export function readIfThere(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
