import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { buildTables } from './dispatch.ts';
import { type ServeHttpOptions, serveHttp } from './http/serve.ts';
import { type Logger, silentLogger } from './logger.ts';
import { createSdkServer } from './sdk-server.ts';
import type { CallerIdentity, ServerDefinition } from './server.ts';

export { Client };

const CLIENT_INFO = { name: 'mcp-stack-test-client', version: '0.0.0' };

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
  options: { caller?: CallerIdentity; logger?: Logger } = {},
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
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

export interface ServedForTest {
  /** The MCP endpoint. */
  url: string;
  /** `http://127.0.0.1:PORT`, for /healthz and friends. */
  origin: string;
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
  return { url: running.url, origin: new URL(running.url).origin, close: running.close };
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
  return { client, close: () => client.close() };
}
