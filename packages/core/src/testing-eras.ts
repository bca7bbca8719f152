// Real clients of both protocol eras, for tests: the SDK v2 client in each of its modes and the
// MCP Inspector CLI. Exported as `@mcp-stack/core/testing/eras`; needs the dev dependencies
// `@modelcontextprotocol/client` and (for `runInspector`) `@modelcontextprotocol/inspector`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type SpawnedHttp, spawnHttp } from './testing.ts';

export { Client as ClientV2 };

/** Each SDK v2 negotiation mode, with the protocol version a dual-era server ends up at. */
export const ERA_MODES = [
  { name: 'legacy', mode: 'legacy', version: '2025-11-25' },
  { name: 'auto', mode: 'auto', version: '2026-07-28' },
  { name: 'pinned 2026-07-28', mode: { pin: '2026-07-28' }, version: '2026-07-28' },
] as const;

export type EraMode = (typeof ERA_MODES)[number]['mode'];

/** Where a server is: a bin to spawn over stdio, or an HTTP endpoint. */
export type EraTarget =
  | { stdio: { command: string; args: ReadonlyArray<string>; env?: Record<string, string> } }
  | { url: string; headers?: Record<string, string> };

export interface EraConnected {
  client: Client;
  /** The version the client negotiated (`2025-11-25` or `2026-07-28`). */
  version: string | undefined;
  close(): Promise<void>;
}

/**
 * An SDK v2 client in `mode`, connected to `target`. `capabilities` are what it declares (an
 * `elicitation` client registers its handler with `client.setRequestHandler('elicitation/create', …)`;
 * in 2026-07-28 the client answers `input_required` results with it and retries on its own).
 */
export async function connectEra(
  target: EraTarget,
  mode: EraMode,
  options: { capabilities?: Record<string, unknown> } = {},
): Promise<EraConnected> {
  const client = new Client(
    { name: 'mcp-stack-era-test', version: '0.0.0' },
    {
      versionNegotiation: { mode: mode as never },
      ...(options.capabilities && { capabilities: options.capabilities }),
    },
  );
  const transport =
    'url' in target
      ? new StreamableHTTPClientTransport(new URL(target.url), {
          ...(target.headers && { requestInit: { headers: target.headers } }),
        })
      : new StdioClientTransport({
          command: target.stdio.command,
          args: [...target.stdio.args],
          env: { ...(process.env as Record<string, string>), ...target.stdio.env },
          stderr: 'ignore',
        });
  await client.connect(transport);
  return { client, version: client.getNegotiatedProtocolVersion(), close: () => client.close() };
}

/** A form the server showed the person (`elicitation/create` params). */
export interface ShownForm {
  message: string;
  requestedSchema: { properties: Record<string, unknown>; required?: string[] };
}

/** What the person answered: the SDK's elicitation result. */
export interface FormAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
}

/**
 * `connectEra` as a client with a person behind it: it declares `elicitation`, keeps every form
 * it is shown (`forms`, in order) and answers each with `answer(form)`. In 2026-07-28 the SDK v2
 * client answers `input_required` results this way and retries on its own.
 */
export async function connectWithPerson(
  target: EraTarget,
  mode: EraMode,
  answer: (form: ShownForm) => FormAnswer,
): Promise<EraConnected & { forms: ShownForm[] }> {
  const connected = await connectEra(target, mode, { capabilities: { elicitation: {} } });
  const forms: ShownForm[] = [];
  connected.client.setRequestHandler('elicitation/create', async (request) => {
    const form = request.params as unknown as ShownForm;
    forms.push(form);
    return answer(form) as never;
  });
  return { ...connected, forms };
}

/**
 * Runs the MCP Inspector CLI (`--cli`) with `args`, in a temp HOME (its catalog lives there), and
 * resolves with what it printed on stdout parsed as JSON; rejects with its output on failure.
 */
export async function runInspector(
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<unknown> {
  const pkg = createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/package.json');
  const bin = join(dirname(pkg), 'clients/launcher/build/index.js');
  const home = await mkdtemp(join(tmpdir(), 'mcp-inspector-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--cli', ...args], {
      cwd: home,
      env: { ...process.env, ...options.env, HOME: home },
      timeout: options.timeoutMs ?? 30_000,
    });
    return JSON.parse(stdout);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * A server bin (run from source) as era tests reach it three ways: over stdio (spawned per
 * client) and as two HTTP processes, stateless and `--stateful`. The stateless one has its rate
 * limit off: the conformance runs send a few hundred requests in about a second from one address,
 * and a 429 would fail checks about something else. `start(env)` in `beforeAll` (the stateless
 * one first: it may create the database the other opens), `stop()` in `afterAll`; `targets` for
 * `describe.each`.
 */
export function eraServers(bin: string) {
  const nodeArgs = ['--conditions=@mcp-stack/source', bin];
  let env: Record<string, string> = {};
  let stateless: SpawnedHttp | undefined;
  let stateful: SpawnedHttp | undefined;
  const started = (server: SpawnedHttp | undefined): SpawnedHttp => {
    if (!server) throw new Error('eraServers: start() them first');
    return server;
  };
  const targets: Array<[string, () => EraTarget]> = [
    ['stdio', () => ({ stdio: { command: process.execPath, args: nodeArgs, env } })],
    ['stateless HTTP', () => ({ url: started(stateless).url })],
    ['--stateful HTTP', () => ({ url: started(stateful).url })],
  ];
  return {
    /** `node` arguments that run the bin from source. */
    nodeArgs,
    targets,
    get stateless() {
      return started(stateless);
    },
    get stateful() {
      return started(stateful);
    },
    async start(withEnv: Record<string, string> = {}) {
      env = withEnv;
      const http = [...nodeArgs, '--http', '--port', '0'];
      stateless = await spawnHttp(process.execPath, http, { env: { ...env, MCP_RATE_LIMIT_RPS: '0' } });
      stateful = await spawnHttp(process.execPath, [...http, '--stateful'], { env });
    },
    async stop() {
      await Promise.all([stateless?.stop(), stateful?.stop()]);
    },
  };
}
