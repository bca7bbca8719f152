import type { Readable, Writable } from 'node:stream';
import { buildTables, type ServerTables } from './dispatch.ts';
import type { Logger } from './logger.ts';
import { createSdkServer } from './sdk-server.ts';
import type { ServerDefinition } from './server.ts';
import { serveModernOnStdio } from './stdio-modern.ts';
import { LineTransport } from './stdio-transport.ts';
import type { TaskOptions } from './tasks/engine.ts';

export interface StdioOptions {
  logger: Logger;
  /** Default process.stdin / process.stdout. */
  input?: Readable;
  output?: Writable;
  /** Stop on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
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
      : buildTables(definition, options.tasks ? { tasks: options.tasks } : {});
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const server = createSdkServer(tables, { transport: 'stdio', logger: options.logger });
  const transport = new LineTransport(input, output);
  transport.onerror = (error) => options.logger.warn({ err: error }, 'stdio transport error');

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  let modern: ReturnType<typeof serveModernOnStdio> | undefined;
  const close = (reason: string) => {
    closing ??= (async () => {
      options.logger.info({ reason }, 'stopping');
      input.off('end', onEnd);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
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
  const onEnd = () => void close('stdin ended');
  const onSignal = (signal: NodeJS.Signals) => void close(signal);
  input.on('end', onEnd);
  if (options.handleSignals ?? true) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  await server.connect(transport);
  // after connect: the modern era takes its requests before the SDK sees them
  modern = serveModernOnStdio(transport, tables, options.logger);
  options.logger.info({ server: tables.definition.name, transport: 'stdio' }, 'serving');
  return { closed, close: () => close('closed') };
}
