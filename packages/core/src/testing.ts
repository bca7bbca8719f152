import { type ChildProcess, type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { buildTables } from './dispatch.ts';
import { MODERN_PROTOCOL_VERSIONS } from './era.ts';
import { ERROR_META_KEY, type ToolErrorData } from './errors.ts';
import { type ServeHttpOptions, serveHttp } from './http/serve.ts';
import { createLogger, type Logger, silentLogger } from './logger.ts';
import { createSdkServer } from './sdk-server.ts';
import type { CallerIdentity, ServerDefinition } from './server.ts';

export {
  AGENT_CONTRACT_RULES,
  type AgentContractOptions,
  type AgentContractProblem,
  type AgentContractRule,
  agentContractProblems,
  expectAgentContract,
  VERBS,
} from './agent-contract.ts';
export { connectHeapProbe, type HeapProbe, inspectorUrl } from './heap-probe.ts';
export { Client };

const CLIENT_INFO = { name: 'mcp-stack-test-client', version: '0.0.0' };

/** What `client.callTool` answers. */
export type ToolResult = Awaited<ReturnType<Client['callTool']>>;

/** The text of a tool result's first content block ('' when it has none). */
export function textOf(result: ToolResult): string {
  return (result.content as Array<{ type: string; text?: string }>)[0]?.text ?? '';
}

/** The data a tool error result carries (`_meta["mcp-stack/error"]`), or undefined. */
export function errorDataOf(result: ToolResult): ToolErrorData | undefined {
  return (result._meta as Record<string, unknown> | undefined)?.[ERROR_META_KEY] as ToolErrorData | undefined;
}

/** Calls a tool and answers its structuredContent; throws with the tool's error text when it fails. */
export async function data<T = unknown>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result.structuredContent as T;
}

export interface Connected {
  client: Client;
  close(): Promise<void>;
}

/**
 * An SDK client linked in memory to a definition (served as over stdio: a session, with
 * subscriptions). `caller` pretends the request was authenticated, to test scopes.
 */
export async function connectInMemory(
  definition: ServerDefinition,
  options: { caller?: CallerIdentity; logger?: Logger; capabilities?: ClientCapabilities } = {},
): Promise<Connected> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createSdkServer(buildTables(definition), {
    transport: 'stdio',
    logger: options.logger ?? silentLogger(),
  });
  await server.connect(serverSide);
  const { caller } = options;
  if (caller) {
    const send = clientSide.send.bind(clientSide);
    clientSide.send = (message, sendOptions) =>
      send(message, {
        ...sendOptions,
        authInfo: {
          token: 'test',
          clientId: caller.clientId,
          scopes: [...caller.scopes],
          ...(caller.extra && { extra: caller.extra }),
        },
      });
  }
  const client = new Client(CLIENT_INFO, { capabilities: options.capabilities ?? {} });
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/**
 * One MCP 2026-07-28 request over HTTP, raw: the headers a conforming client sends (each
 * overridable, null drops it) and `_meta` with the version and `capabilities` (default none;
 * `meta: null` drops it). Resolves with the status, every message (an SSE answer's notifications,
 * then the response) and the last one as `json`.
 */
export async function postModern(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: {
    headers?: Record<string, string | null>;
    id?: number;
    meta?: unknown;
    capabilities?: Record<string, unknown>;
  } = {},
) {
  const name = (params.name ?? params.uri) as string | undefined;
  const headers: Record<string, string | null> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_PROTOCOL_VERSIONS[0] as string,
    'mcp-method': method,
    ...(name !== undefined && { 'mcp-name': name }),
    ...options.headers,
  };
  const body = {
    jsonrpc: '2.0',
    id: options.id ?? 1,
    method,
    params: {
      ...params,
      ...(options.meta !== null && {
        _meta: options.meta ?? {
          'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSIONS[0],
          'io.modelcontextprotocol/clientCapabilities': options.capabilities ?? {},
        },
      }),
    },
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== null)) as Record<
      string,
      string
    >,
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  // an SSE answer: the notifications, then the response, one JSON message per data line
  const messages = type.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)))
    : [JSON.parse(text)];
  return { status: response.status, messages, json: messages.at(-1) };
}

/**
 * Ends the spawned processes still running (SIGKILL) and waits for each to exit, emptying the
 * list: `afterEach(() => endSpawned(children))`, so no process outlives its test, pass or fail.
 */
export async function endSpawned(children: ChildProcess[]): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

export interface ServedForTest {
  /** The MCP endpoint. */
  url: string;
  /** `http://127.0.0.1:PORT`, the MCP listener's origin. */
  origin: string;
  /** Where /healthz, /readyz and /metrics are: `origin`, unless `metricsPort` gave them a port. */
  ops: string;
  close(): Promise<boolean>;
}

/** A definition served over HTTP on 127.0.0.1, port 0 (a free one), without signal handlers. */
export async function serveForTest(
  definition: ServerDefinition,
  options: Partial<ServeHttpOptions> = {},
): Promise<ServedForTest> {
  const running = await serveHttp(definition, {
    logger: silentLogger(),
    host: '127.0.0.1',
    port: 0,
    handleSignals: false,
    shutdownGraceMs: 1_000,
    ...options,
  });
  return { url: running.url, origin: new URL(running.url).origin, ops: running.opsUrl, close: running.close };
}

/** An SDK client connected over Streamable HTTP to `url`. */
export async function connectHttp(
  url: string,
  options: { headers?: Record<string, string> } = {},
): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.headers && { requestInit: { headers: options.headers } }),
  });
  return connectClient(transport);
}

export interface SpawnedStdio extends Connected {
  /** What the process wrote to stderr so far (its logs). */
  stderr(): string;
}

/** Spawns a server bin over stdio and connects an SDK client to it. */
export async function spawnStdio(
  command: string,
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<SpawnedStdio> {
  const transport = new StdioClientTransport({
    command,
    args: [...args],
    env: { ...(process.env as Record<string, string>), ...options.env },
    stderr: 'pipe',
    ...(options.cwd && { cwd: options.cwd }),
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const connected = await connectClient(transport);
  return { ...connected, stderr: () => stderr };
}

async function connectClient(transport: Transport): Promise<Connected> {
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(transport);
  deliverResponsesLast(transport);
  return { client, close: () => client.close() };
}

/**
 * The SDK v1 client runs a notification's handler a microtask after reading it, but settles a
 * request on its response at once and forgets the request's progress handler; so progress read
 * in the same chunk as its request's response is dropped. A stdio client on a busy machine reads
 * many lines at once, and loses progress no server-side pause can save. This hands each response
 * to the client one macrotask later, after the handlers of everything read before it have run.
 * (Core's servers also pause briefly before a result that follows notifications, for the clients
 * we do not control: see SETTLE_MS in dispatch.ts.)
 */
export function deliverResponsesLast(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('deliverResponsesLast: connect the client to the transport first');
  transport.onmessage = (message, extra) => {
    if ('id' in message && ('result' in message || 'error' in message))
      setImmediate(() => deliver(message, extra));
    else deliver(message, extra);
  };
}

/** The official conformance scenarios that apply to any server over stateless HTTP. */
export const GENERAL_CONFORMANCE_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'logging-set-level',
  'dns-rebinding-protection',
] as const;

/**
 * Runs one scenario of the official MCP conformance suite against `url` (needs the dev
 * dependency `@modelcontextprotocol/conformance`). Resolves with its report when every check
 * passed; rejects with the report otherwise. Its result files go to a temp folder, removed after.
 */
export async function runConformance(url: string, scenario: string): Promise<string> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')),
    'dist/index.js',
  );
  const cwd = await mkdtemp(join(tmpdir(), 'mcp-conformance-'));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [bin, 'server', '--url', url, '--scenario', scenario],
      {
        cwd,
        timeout: 60_000,
      },
    );
    const report = `${stdout}${stderr}`;
    if (!/Passed: (\d+)\/\1, 0 failed/.test(report))
      throw new Error(`conformance ${scenario} failed:\n${report}`);
    return report;
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/**
 * Runs the official conformance suite (`--suite all`, or the `scenarios` given) at `specVersion`
 * against `url`. `expectedFailures` names scenarios, or single checks as `scenario:check-id`,
 * that may fail (the suite's baseline; a scenario that passes with a SHOULD warning counts as
 * failing there). Resolves with the report when the run passed: every failure expected, none of
 * them stale (a listed one that passed); rejects with the report otherwise.
 */
export async function runConformanceSuite(
  url: string,
  options: {
    specVersion: string;
    expectedFailures?: ReadonlyArray<string>;
    scenarios?: ReadonlyArray<string>;
    /**
     * Runs the `scenarios` even where the suite says they do not apply at `specVersion`: an
     * extension's (the tasks-* scenarios) are on no spec timeline, so only this runs them.
     */
    force?: boolean;
  },
): Promise<string> {
  const bin = conformanceBin();
  const cwd = await mkdtemp(join(tmpdir(), 'mcp-conformance-'));
  const entries = options.expectedFailures ?? [];
  const run = async (selection: ReadonlyArray<string>, expected: ReadonlyArray<string>) => {
    const args = [bin, 'server', '--url', url, '--spec-version', options.specVersion, ...selection];
    if (options.force) args.push('--force');
    if (expected.length) {
      const baseline = join(cwd, 'expected-failures.yml');
      await writeFile(
        baseline,
        `server:\n${expected.map((entry) => `  - ${JSON.stringify(entry)}\n`).join('')}`,
      );
      args.push('--expected-failures', baseline);
    }
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd, timeout: 240_000 });
      return `${stdout}${stderr}`;
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`conformance at ${options.specVersion} failed against ${url}:\n${stdout}${stderr}`);
    }
  };
  try {
    if (!options.scenarios) return await run(['--suite', 'all'], entries);
    const reports: string[] = [];
    for (const scenario of options.scenarios) {
      // a scenario's own entries only: another's would be stale in this run
      const own = entries.filter((entry) => entry === scenario || entry.startsWith(`${scenario}:`));
      reports.push(await run(['--scenario', scenario], own));
    }
    return reports.join('\n');
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

function conformanceBin(): string {
  return join(
    dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')),
    'dist/index.js',
  );
}

/** The names of the suite's server scenarios that match `pattern` (`/^tasks-/`: the Tasks extension's). */
export async function conformanceScenarios(pattern: RegExp): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [conformanceBin(), 'list'], {
    timeout: 60_000,
  });
  const names = [...stdout.matchAll(/^\s+- ([\w-]+)/gm)].map((match) => match[1] as string);
  return [...new Set(names.filter((name) => pattern.test(name)))];
}

/**
 * The conformance scenarios any server passes without the fixture's `test_*` tools, at each
 * protocol version, over stateless HTTP. Drop `resources-list`, `prompts-list` or
 * `sep-2164-resource-not-found` for a server without resources or prompts.
 */
export const NO_FIXTURE_SCENARIOS = {
  '2026-07-28': [
    'server-stateless',
    'tools-list',
    'resources-list',
    'prompts-list',
    'sep-2164-resource-not-found',
    'caching',
    'http-header-validation',
    'dns-rebinding-protection',
    'server-sse-multiple-streams',
  ],
  '2025-11-25': [
    'server-initialize',
    'ping',
    'logging-set-level',
    'tools-list',
    'resources-list',
    'prompts-list',
    'dns-rebinding-protection',
  ],
} as const satisfies Record<string, ReadonlyArray<string>>;

/**
 * The checks of those scenarios that need a fixture tool (`test_missing_capability`,
 * `test_streaming_elicitation`, `test_logging_tool`): the suite fails a check it cannot exercise.
 */
export const NO_FIXTURE_EXPECTED_FAILURES: ReadonlyArray<string> = [
  'server-stateless:sep-2575-server-rejects-undeclared-capability',
  'server-stateless:sep-2575-missing-capability-http-400',
  'server-stateless:sep-2575-http-server-no-independent-requests-on-stream',
  'server-stateless:sep-2575-server-no-log-without-loglevel',
];

export interface SpawnedHttp {
  /** The MCP endpoint the server logged (`"msg":"listening"`). */
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** What the process wrote to stderr so far (its logs). */
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns a server bin over HTTP (pass `--http --port 0` in `args`) and waits for its
 * `"msg":"listening"` line; rejects with its stderr if it exits or does not listen in time
 * (`timeoutMs`, 45 s: a hang detector below the suite's one-minute test timeout, far above the
 * second or two a start from source takes on a busy machine).
 */
export async function spawnHttp(
  command: string,
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<SpawnedHttp> {
  const child = spawn(command, [...args], { env: { ...process.env, LOG_LEVEL: 'info', ...options.env } });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail('did not log "listening" in time'), options.timeoutMs ?? 45_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} ${why}:\n${stderr}`));
    };
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    child.on('exit', onExit);
    let listening = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (listening) return;
      const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) {
        listening = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(JSON.parse(line).url as string);
      }
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/** A core logger (at trace, secrets redacted) writing into memory, so a test can read every line. */
export function captureLogs(): {
  logger: Logger;
  text: () => string;
  lines: () => Array<Record<string, unknown>>;
} {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    logger: createLogger({ level: 'trace', destination }),
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The services some tests need, as this project's machines run them (override with the variable). */
export const TEST_SERVICES = {
  redis: { variable: 'TEST_REDIS_URL', url: 'redis://127.0.0.1:6379', defaultPort: 6379 },
  postgres: {
    variable: 'TEST_POSTGRES_URL',
    url: 'postgres://postgres@127.0.0.1:5432/test',
    defaultPort: 5432,
  },
} as const;

/**
 * The URL of a service a test needs (Redis, PostgreSQL), read from the environment with the
 * machine's default, once it accepts a TCP connection. When it does not: under CI (`CI` set) this
 * throws, so CI never passes by skipping; elsewhere it says why on stderr and answers
 * `undefined`, for `describe.skipIf(!url)`.
 */
export async function serviceUrl(name: keyof typeof TEST_SERVICES): Promise<string | undefined> {
  const service = TEST_SERVICES[name];
  const url = process.env[service.variable] || service.url;
  const { hostname, port } = new URL(url);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port || service.defaultPort),
    });
    socket.setTimeout(2_000, () => socket.destroy(new Error('timed out')));
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (reachable) return url;
  const why = `${name} is not reachable at ${hostname}:${port} (${service.variable}, default ${service.url})`;
  if (process.env.CI) throw new Error(`${why}: CI runs every test that needs it; start it and run again`);
  process.stderr.write(`skipping the tests that need ${name}: ${why}\n`);
  return undefined;
}

const handedOut = new Set<number>();

/**
 * A port free on 127.0.0.1 now, never one this process was given before (the kernel may offer a
 * just-closed port again). For a process that must be told its port; a server of our own takes 0.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Whether a process with this pid is alive (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
