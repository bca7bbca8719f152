import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverNames } from './names.ts';
import { nextFreePort, usedPorts } from './ports.ts';
import { ScaffoldError, scaffold } from './scaffold.ts';
import { editCompose, editDockerfile, editStack, findRoot, STACK_MARKER } from './workspace.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (root: string, file: string) => readFileSync(join(root, file), 'utf8');

/** A temp copy of the workspace's deployment files and servers' sources (no node_modules). */
function copyWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'create-server-ws-'));
  for (const file of ['pnpm-workspace.yaml', 'docker-compose.yml', 'Dockerfile', 'scripts/stack.ts']) {
    cpSync(join(ROOT, file), join(root, file));
  }
  for (const dir of ['servers', 'services', 'packages']) {
    cpSync(join(ROOT, dir), join(root, dir), {
      recursive: true,
      filter: (src) => !/node_modules|dist|\.turbo/.test(src.slice(ROOT.length)),
    });
  }
  return root;
}

describe('ports', () => {
  it('finds the contract ports in the workspace and picks 3004 next', () => {
    const used = usedPorts(ROOT);
    for (const port of [8000, 3001, 3002, 3003]) expect(used.has(port)).toBe(true);
    expect(nextFreePort(used)).toBe(3004);
    expect(nextFreePort(new Set([3004, 3005, 3007]))).toBe(3006);
  });
});

describe('workspace edits', () => {
  const target = { names: serverNames('billing'), port: 3004 };

  it('adds a compose service after the demo block, above the profile scale (not one of its replicas)', () => {
    const edit = editCompose(read(ROOT, 'docker-compose.yml'), target);
    if (!edit.ok) throw new Error(edit.reason);
    expect(edit.text).toContain(`  billing:
    <<: *mcp
    build: { context: ., target: billing }
    image: mcp-stack/billing:local
    environment:
      <<: *mcp-env
      MCP_ALLOWED_HOSTS: localhost:\${BILLING_MCP_PORT:-3004},127.0.0.1:\${BILLING_MCP_PORT:-3004}
      MCP_PUBLIC_URL: \${MCP_PUBLIC_URL_BASE:-http://localhost}:\${BILLING_MCP_PORT:-3004}
    ports: ["127.0.0.1:\${BILLING_MCP_PORT:-3004}:3004"]

  # ---- profile \`scale\``);
    expect(edit.text.indexOf('  demo:')).toBeLessThan(edit.text.indexOf('  billing:'));
    // a file without profiles: before volumes:
    const plain = editCompose(
      read(ROOT, 'docker-compose.yml').replace(/ {2}# -+ profile [^\n]*\n/, ''),
      target,
    );
    if (!plain.ok) throw new Error(plain.reason);
    expect(plain.text.indexOf('  billing:')).toBeGreaterThan(plain.text.indexOf('  haproxy:'));
    expect(plain.text).toMatch(/:3004"\]\n\nvolumes:/);
    const again = editCompose(edit.text, target);
    expect(again.ok).toBe(false);
  });

  it('adds the stack entry above the marker, or says the marker is missing and what to add', () => {
    const stack = read(ROOT, 'scripts/stack.ts');
    const missing = editStack(stack.replace(STACK_MARKER, ''), target);
    expect(missing).toMatchObject({ ok: false, reason: expect.stringContaining('marker') });
    expect(missing.ok || missing.byHand).toContain(
      "mcpServer('billing', 'billing MCP', 'servers/billing', 'BILLING_MCP_PORT', 3004, {}),",
    );
    const marked = stack.includes(STACK_MARKER)
      ? stack
      : stack.replace(/(\n {2}mcpServer\('demo'[^\n]*\n)/, `$1  ${STACK_MARKER}\n`);
    const edit = editStack(marked, target);
    if (!edit.ok) throw new Error(edit.reason);
    expect(edit.text).toContain(
      `  mcpServer('billing', 'billing MCP', 'servers/billing', 'BILLING_MCP_PORT', 3004, {}),\n  ${STACK_MARKER}\n];`,
    );
  });

  it('adds a Dockerfile manifest COPY, the deploy, and a stage like the demo one', () => {
    const edit = editDockerfile(read(ROOT, 'Dockerfile'), target);
    if (!edit.ok) throw new Error(edit.reason);
    expect(edit.text).toContain(
      'COPY servers/demo/package.json servers/demo/\nCOPY servers/billing/package.json servers/billing/\nRUN pnpm install',
    );
    expect(edit.text).toContain('server-demo server-billing; do');
    expect(edit.text).toContain(
      'FROM runtime AS billing\nCOPY --from=build --chown=node:node /out/server-billing /app',
    );
    expect(edit.text).toContain('ENV MCP_TRANSPORT=http MCP_HOST=0.0.0.0 MCP_PORT=3004\nEXPOSE 3004');
    expect(editDockerfile(edit.text, target).ok).toBe(false);
  });
});

describe('scaffold into a copy of the workspace', () => {
  let root: string;
  const lines: string[] = [];
  beforeEach(() => {
    root = copyWorkspace();
    lines.length = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes servers/billing, edits compose, Dockerfile and (with its marker) the stack, and says what next', async () => {
    const stack = read(root, 'scripts/stack.ts');
    if (!stack.includes(STACK_MARKER)) {
      writeFileSync(
        join(root, 'scripts/stack.ts'),
        stack.replace(/(\n {2}mcpServer\('demo'[^\n]*\n)/, `$1  ${STACK_MARKER}\n`),
      );
    }
    const result = await scaffold({ name: 'billing', root, format: false, say: (l) => lines.push(l) });
    expect(result.port).toBe(3004);
    expect(result.byHand).toEqual([]);
    expect(result.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'src/server.ts',
        'src/tools/say-hello.ts',
        'src/server.test.ts',
        'src/e2e.test.ts',
        'README.md',
      ]),
    );
    expect(JSON.parse(read(root, 'servers/billing/package.json')).publishConfig.bin).toEqual({
      'mcp-server-billing': './dist/bin.js',
    });
    expect(read(root, 'servers/billing/src/cli.ts')).toContain('port: 3004');
    expect(read(root, 'docker-compose.yml')).toContain('  billing:');
    expect(read(root, 'scripts/stack.ts')).toContain("mcpServer('billing'");
    expect(read(root, 'Dockerfile')).toContain('FROM runtime AS billing');
    expect(lines.join('\n')).toContain('Next:\n  pnpm install');

    // the next one takes the next port, read back from what billing added
    expect(findRoot(join(root, 'servers', 'billing', 'src'))).toBe(root);
    const second = await scaffold({ name: 'invoices', root, format: false, say: () => {} });
    expect(second.port).toBe(3005);
  });

  it('never overwrites, and says what to add by hand when the stack has no marker', async () => {
    await expect(scaffold({ name: 'demo', root, say: () => {} })).rejects.toThrow(ScaffoldError);
    const stack = read(root, 'scripts/stack.ts').replace(STACK_MARKER, '');
    writeFileSync(join(root, 'scripts/stack.ts'), stack);
    const result = await scaffold({ name: 'billing', root, format: false, say: (l) => lines.push(l) });
    expect(result.byHand).toHaveLength(1);
    expect(result.byHand[0]).toContain('scripts/stack.ts: the marker line');
    expect(read(root, 'scripts/stack.ts')).toBe(stack);
    await expect(scaffold({ name: 'billing', root, say: () => {} })).rejects.toThrow('already exists');
  });
});
