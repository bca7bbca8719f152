// Proves each server installs and runs on its own, outside the workspace: packs core and the
// server with `pnpm pack` (workspace: and catalog: versions become real ones), installs both
// tarballs with npm into an empty folder under the system temp dir, and checks the installed bin
// answers --help, --version, and an MCP initialize and tools/list over stdio.
//
//   pnpm check:packages                          (builds, then checks every server)
//   node scripts/pack-check.ts [server ...]      (the check alone, after `pnpm build`)
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS: Record<string, { dir: string; bin: string; env?: Record<string, string> }> = {
  users: { dir: 'servers/users', bin: 'mcp-server-users' },
  'customer-db': { dir: 'servers/customer-db', bin: 'mcp-server-customer-db' },
  demo: { dir: 'servers/demo', bin: 'mcp-server-demo' },
};

async function pack(dir: string, into: string): Promise<string> {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', into], { cwd: join(root, dir) });
  const tarball = stdout.trim().split('\n').pop() ?? '';
  return tarball.startsWith('/') ? tarball : join(into, tarball);
}

interface Rpc {
  id?: number;
  result?: { serverInfo?: { name: string }; tools?: Array<{ name: string }> };
  error?: { message: string };
}

/** initialize, then tools/list, over the bin's stdio; resolves with the tool names. */
async function mcpToolNames(
  bin: string,
  env: Record<string, string>,
): Promise<{ server: string; tools: string[] }> {
  const child = spawn(bin, [], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const answers = new Map<number, Rpc>();
  const waiting = new Map<number, (message: Rpc) => void>();
  lines.on('line', (line) => {
    const message = JSON.parse(line) as Rpc; // a non-JSON stdout line fails here, as it should
    if (typeof message.id === 'number') {
      answers.set(message.id, message);
      waiting.get(message.id)?.(message);
    }
  });
  const request = (id: number, method: string, params: unknown) =>
    new Promise<Rpc>((resolveAnswer, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${method} in 20 s; stderr:\n${stderr}`)),
        20_000,
      );
      waiting.set(id, (message) => {
        clearTimeout(timer);
        resolveAnswer(message);
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  try {
    const init = await request(1, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'pack-check', version: '1' },
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const list = await request(2, 'tools/list', {});
    const server = init.result?.serverInfo?.name;
    const tools = list.result?.tools;
    if (!server || !tools)
      throw new Error(
        `unexpected answers: ${JSON.stringify(init)} ${JSON.stringify(list)}; stderr:\n${stderr}`,
      );
    return { server, tools: tools.map((t) => t.name) };
  } finally {
    child.stdin.end();
    child.kill('SIGTERM');
  }
}

async function check(name: string, coreTarball: string, workDir: string): Promise<void> {
  const server = SERVERS[name];
  if (!server) throw new Error(`unknown server ${name}; known: ${Object.keys(SERVERS).join(', ')}`);
  const { version } = JSON.parse(await readFile(join(root, server.dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const tarball = await pack(server.dir, workDir);
  const { stdout: listing } = await run('tar', ['-tzf', tarball]);
  if (!listing.includes('package/dist/bin.js'))
    throw new Error(`${tarball} has no dist/bin.js: run pnpm build first`);
  const installDir = await mkdtemp(join(tmpdir(), `mcp-stack-install-${name}-`));
  try {
    const started = Date.now();
    await run('npm', ['init', '-y'], { cwd: installDir });
    await run('npm', ['install', '--no-audit', '--no-fund', coreTarball, tarball], {
      cwd: installDir,
      timeout: 300_000,
    });
    const bin = join(installDir, 'node_modules', '.bin', server.bin);
    const dataEnv = { MCP_STACK_DATA_DIR: join(installDir, 'data'), ...server.env };
    const help = await run(bin, ['--help'], { cwd: installDir });
    if (!help.stdout.includes(server.bin))
      throw new Error(`${server.bin} --help did not name the bin:\n${help.stdout}`);
    const reported = (await run(bin, ['--version'], { cwd: installDir })).stdout.trim();
    if (reported !== version)
      throw new Error(`${server.bin} --version said ${reported}, expected ${version}`);
    const { server: serverName, tools } = await mcpToolNames(bin, dataEnv);
    if (tools.length === 0) throw new Error(`${server.bin} listed no tools`);
    console.log(
      `ok  ${server.bin} ${version}: installed in ${installDir} (${Math.round((Date.now() - started) / 1000)} s); --help, --version; initialize as ${serverName}; tools: ${tools.join(', ')}`,
    );
  } finally {
    await rm(installDir, { recursive: true, force: true });
  }
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SERVERS);
const workDir = await mkdtemp(join(tmpdir(), 'mcp-stack-pack-'));
let failed = false;
try {
  const coreTarball = await pack('packages/core', workDir);
  for (const name of names) {
    try {
      await check(name, coreTarball, workDir);
    } catch (error) {
      failed = true;
      console.error(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
