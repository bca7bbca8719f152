import type { Readable, Writable } from 'node:stream';
import { buildTables, type ServerTables } from './dispatch.ts';
import type { ListenLimits } from './listens.ts';
import type { Logger } from './logger.ts';
import { createRequestStateCodec } from './request-state.ts';
import { createSdkServer } from './sdk-server.ts';
import type { ServerDefinition } from './server.ts';
import { serveModernOnStdio } from './stdio-modern.ts';
import { LineTransport, type LineTransportOptions } from './stdio-transport.ts';
import type { TaskOptions } from './tasks/engine.ts';

export interface StdioOptions {
  logger: Logger;
  /** Default process.stdin / process.stdout. */
  input?: Readable;
  output?: Writable;
  /** Stop on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /** Keys signing the `requestState` of questions to the client (MCP_REQUEST_STATE_KEYS); default one random key. */
  requestStateKeys?: ReadonlyArray<string>;
  /** When stdin ends, how long the requests already read may take to be answered (default 10 s). */
  endGraceMs?: number;
  /** Bounds of the line transport (stdio-transport.ts): line size, requests in flight. */
  transport?: LineTransportOptions;
  /** Bounds of `subscriptions/listen` (MCP_MAX_LISTENS, MCP_MAX_LISTENS_PER_CALLER): one connection here, so the smaller applies. */
  listenLimits?: Partial<ListenLimits>;
  /** Task bounds (Tasks extension), for a definition with task tools. */
  tasks?: TaskOptions;
}

export interface RunningStdio {
  /** Resolves when the server has stopped: stdin ended, a signal, or `close()`. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves a definition over stdio: JSON-RPC on stdout and nothing else (logs go to stderr), in
 * both eras: modern requests statelessly (stdio-modern.ts), and after an `initialize` the legacy
 * era with every capability including subscriptions. Stops cleanly when stdin ends or on SIGTERM/SIGINT, and
 * releases what the definition holds (`close`).
 */
export async function runStdio(
  definition: ServerDefinition | ServerTables,
  options: StdioOptions,
): Promise<RunningStdio> {
  const tables =
    'handle' in definition
      ? definition
      : buildTables(definition, {
          requestState: createRequestStateCodec(
            options.requestStateKeys ? { keys: options.requestStateKeys } : {},
          ),
          ...(options.tasks && { tasks: options.tasks }),
        });
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const server = createSdkServer(tables, { transport: 'stdio', logger: options.logger });
  const transport = new LineTransport(input, output, options.transport);
  transport.onerror = (error) => options.logger.warn({ err: error }, 'stdio transport error');

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  let modern: ReturnType<typeof serveModernOnStdio> | undefined;
  const close = (reason: string) => {
    closing ??= (async () => {
      options.logger.info({ reason }, 'stopping');
      transport.onend = undefined;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // listens end with their complete result while stdout is still read; once stdin ended the
      // client is gone, and a write could only fail (EPIPE): they are just released
      modern?.closeListens(reason !== 'stdin ended');
      modern?.abortAll(new Error('server stopping'));
      await tables.stopTasks('the server stopped');
      try {
        await server.close();
        await tables.definition.close?.();
      } catch (error) {
        options.logger.error({ err: error }, 'error while stopping');
      } finally {
        resolveClosed();
      }
    })();
    return closing;
  };
  // the client sent all it will: answer what it asked (within the grace), then stop
  const onEnd = () => {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.endGraceMs ?? 10_000);
      timer.unref();
    });
    void Promise.race([transport.idle(), grace]).then(() => {
      clearTimeout(timer);
      void close('stdin ended');
    });
  };
  const onSignal = (signal: NodeJS.Signals) => void close(signal);
  transport.onend = onEnd;
  if (options.handleSignals ?? true) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  await server.connect(transport);
  // after connect: the modern era takes its requests before the SDK sees them
  modern = serveModernOnStdio(transport, tables, options.logger, options.listenLimits);
  options.logger.info({ server: tables.definition.name, transport: 'stdio' }, 'serving');
  return { closed, close: () => close('closed') };
}
