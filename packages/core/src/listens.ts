import type { ChangeHub, ListKind } from './change-hub.ts';
import type { ServerTables } from './dispatch.ts';
import type { RequestId } from './jsonrpc.ts';
import { honour, type ListenOffer, SUBSCRIPTION_ID, type SubscriptionFilter } from './listen-filter.ts';
import type { Logger } from './logger.ts';
import { modernResult } from './modern-result.ts';
import { ProtocolError } from './protocol-error.ts';

/** Default bounds (`MCP_MAX_LISTENS`, `MCP_MAX_LISTENS_PER_CALLER`). */
export const DEFAULT_MAX_LISTENS = 1_000;
export const DEFAULT_MAX_LISTENS_PER_CALLER = 16;

/**
 * JSON-RPC code of a listen refused for a bound: -32000, the implementation-defined server
 * error, as the stack's other "too busy" answers (sessions, rate limit). `data.reason` is
 * `too_many_listens` and `data.scope` says whose bound (`caller` or `process`).
 */
export const TOO_MANY_LISTENS = -32000;

export interface ListenLimits {
  /** Open listens in this process at most. */
  maxListens: number;
  /** Open listens of one caller at most (an API key or token subject, else an address; stdio: the connection). */
  maxPerCaller: number;
}

/** Where one listen's messages go: an SSE response, or the stdio channel it shares. */
export interface ListenSink {
  /** Writes one message; false when the client is not reading and the buffer is past its bound. */
  send(message: Record<string, unknown>): boolean;
  /** Ends the stream: after `final` (the complete result) when the server ends it; without when the client went away or stopped reading. */
  end(final?: Record<string, unknown>): void;
}

/** Told about listens (metrics); absent: nothing measured. */
export interface ListensObserver {
  listenRefused(scope: 'caller' | 'process'): void;
  listenNotified(): void;
  /** A listen closed because its client stopped reading. */
  listenDropped(): void;
}

export interface Listen {
  readonly id: RequestId;
  /** The client cancelled or went away: releases what the listen holds, sends nothing more. */
  cancel(): void;
}

export interface Listens {
  /** Acknowledges and opens a listen; throws a `ProtocolError` past a bound (nothing sent then). */
  open(request: { id: RequestId; caller: string; filter: SubscriptionFilter; sink: ListenSink }): Listen;
  /** Open listens in this process. */
  readonly size: number;
  /**
   * Ends every listen (shutdown), each with its complete result; `graceful: false` when the
   * channel is gone (stdin ended) and nothing can be sent. New listens are refused from then on.
   */
  closeAll(graceful?: boolean): void;
  readonly limits: ListenLimits;
}

export interface ListensOptions extends Partial<ListenLimits> {
  hub: ChangeHub;
  offer: ListenOffer;
  serverInfo: Readonly<Record<string, unknown>>;
  logger: Logger;
  observer?: ListensObserver | undefined;
}

const LIST_NOTIFICATION: Readonly<Record<ListKind, { method: string; flag: keyof SubscriptionFilter }>> = {
  tools: { method: 'notifications/tools/list_changed', flag: 'toolsListChanged' },
  prompts: { method: 'notifications/prompts/list_changed', flag: 'promptsListChanged' },
  resources: { method: 'notifications/resources/list_changed', flag: 'resourcesListChanged' },
};

/**
 * The open `subscriptions/listen` streams of one process (basic/patterns/subscriptions.mdx), on
 * any transport: bounded per caller and per process, each acknowledged first with the part of
 * its filter honoured, then given only the notification types it asked for, each tagged with
 * its subscription id (the listen request's id). A client that stops reading is dropped rather
 * than buffered without bound; shutdown ends each listen with its complete result.
 */
export function createListens(options: ListensOptions): Listens {
  const { hub, offer, logger, observer } = options;
  const limits: ListenLimits = {
    maxListens: options.maxListens ?? DEFAULT_MAX_LISTENS,
    maxPerCaller: options.maxPerCaller ?? DEFAULT_MAX_LISTENS_PER_CALLER,
  };
  const open = new Set<OpenListen>();
  const perCaller = new Map<string, number>();
  // a caller (or the process) at its bound is logged once until it is under the bound again
  const atBound = new Set<string>();
  let stopping = false;

  interface OpenListen extends Listen {
    close(final: boolean): void;
  }

  function refuse(caller: string, scope: 'caller' | 'process', limit: number): ProtocolError {
    observer?.listenRefused(scope);
    const key = scope === 'process' ? '\0process' : caller;
    if (!atBound.has(key)) {
      atBound.add(key);
      logger.warn({ caller, scope, limit }, 'listen refused: too many open listens');
    }
    const message =
      scope === 'caller'
        ? `too many listens: this client already has ${limit} open (MCP_MAX_LISTENS_PER_CALLER); close one, or combine filters into one listen`
        : `too many listens: this server has ${limit} open (MCP_MAX_LISTENS); retry later or elsewhere`;
    return new ProtocolError(TOO_MANY_LISTENS, message, { reason: 'too_many_listens', scope, limit });
  }

  return {
    limits,
    get size() {
      return open.size;
    },
    closeAll(graceful = true) {
      stopping = true;
      for (const listen of [...open]) listen.close(graceful);
    },
    open({ id, caller, filter, sink }) {
      if (stopping) {
        throw new ProtocolError(TOO_MANY_LISTENS, 'the server is shutting down: listen again in a moment', {
          reason: 'shutting_down',
          scope: 'process',
        });
      }
      const mine = perCaller.get(caller) ?? 0;
      if (mine >= limits.maxPerCaller) throw refuse(caller, 'caller', limits.maxPerCaller);
      if (open.size >= limits.maxListens) throw refuse(caller, 'process', limits.maxListens);
      const acknowledged = honour(filter, offer);
      const tag = { [SUBSCRIPTION_ID]: id };
      const stops: Array<() => void> = [];
      let closed = false;

      const listen: OpenListen = {
        id,
        cancel: () => listen.close(false),
        close(final) {
          if (closed) return;
          closed = true;
          for (const stop of stops) stop();
          open.delete(listen);
          const left = (perCaller.get(caller) ?? 1) - 1;
          if (left > 0) perCaller.set(caller, left);
          else perCaller.delete(caller);
          atBound.delete(caller);
          atBound.delete('\0process');
          const result = modernResult('subscriptions/listen', { _meta: tag }, options.serverInfo, 'private');
          sink.end(final ? { jsonrpc: '2.0', id, result } : undefined);
        },
      };
      const deliver = (method: string, params: Record<string, unknown> = {}) => {
        if (closed) return;
        if (sink.send({ jsonrpc: '2.0', method, params: { _meta: tag, ...params } })) {
          observer?.listenNotified();
          return;
        }
        observer?.listenDropped();
        logger.warn(
          { caller, subscriptionId: id },
          'listen closed: the client is not reading its notifications',
        );
        listen.close(false);
      };

      open.add(listen);
      perCaller.set(caller, mine + 1);
      // the acknowledgement first: nothing is watched before it is written
      sink.send({
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: { _meta: tag, notifications: acknowledged },
      });
      for (const uri of acknowledged.resourceSubscriptions ?? []) {
        stops.push(hub.watchResource(uri, () => deliver('notifications/resources/updated', { uri })));
      }
      const lists = (Object.keys(LIST_NOTIFICATION) as ListKind[]).filter(
        (kind) => acknowledged[LIST_NOTIFICATION[kind].flag] === true,
      );
      if (lists.length > 0) {
        stops.push(
          hub.watchLists((kind) => {
            if (lists.includes(kind)) deliver(LIST_NOTIFICATION[kind].method);
          }),
        );
      }
      return listen;
    },
  };
}

/** The listens of a process serving `tables`, with its change hub and offer. */
export function listensFor(
  tables: ServerTables,
  options: Partial<ListenLimits> & { logger: Logger; observer?: ListensObserver | undefined },
): Listens {
  const { name, version, title } = tables.definition;
  return createListens({
    ...options,
    hub: tables.changes,
    offer: tables.listenOffer,
    serverInfo: { name, version, ...(title !== undefined && { title }) },
  });
}
