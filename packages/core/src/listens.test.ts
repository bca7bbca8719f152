import { describe, expect, it } from 'vitest';
import { createMemoryChangeFeed } from './changes.ts';
import { buildTables } from './dispatch.ts';
import { SUBSCRIPTION_ID } from './listen-filter.ts';
import { type ListenSink, listensFor, TOO_MANY_LISTENS } from './listens.ts';
import { defineResource, defineResourceTemplate, defineServer, defineTool } from './server.ts';
import { manualClock } from './test-fixtures/manual-clock.ts';
import { captureLogs } from './testing.ts';

/** A server whose clock is watched (started and stopped counted) and whose items publish changes. */
function fixture() {
  const changes = createMemoryChangeFeed();
  const clock = manualClock();
  const definition = defineServer({
    name: 'listen-fixture',
    version: '1.0.0',
    changes,
    listChanged: ['tools'],
    tools: [defineTool({ name: 'noop', description: 'does nothing', input: {}, handler: () => 'ok' })],
    resources: [
      clock.resource,
      defineResource({ uri: 'test://static', name: 'static', read: () => 'never changes' }),
      defineResourceTemplate({
        uriTemplate: 'item://{id}',
        name: 'item',
        read: ({ id }) => `item ${id}`,
        subscribable: true,
      }),
    ],
  });
  const tables = buildTables(definition);
  return { changes, clock, tables };
}

/** A sink that records what it is given; `full` makes it refuse like a client that stopped reading. */
function recordingSink() {
  const messages: Array<Record<string, unknown>> = [];
  const state = { full: false, ended: false, final: undefined as Record<string, unknown> | undefined };
  const sink: ListenSink = {
    send(message) {
      if (state.full) return false;
      messages.push(message);
      return true;
    },
    end(final) {
      state.ended = true;
      state.final = final;
    },
  };
  return { sink, messages, state };
}

const tagOf = (message: Record<string, unknown>) =>
  ((message.params as Record<string, unknown>)._meta as Record<string, unknown>)[SUBSCRIPTION_ID];

describe('listens', () => {
  it('acknowledges first with the part of the filter honoured, then sends only what was asked, tagged', () => {
    const { tables, changes, clock } = fixture();
    const listens = listensFor(tables, { logger: captureLogs().logger });
    const { sink, messages } = recordingSink();
    listens.open({
      id: 7,
      caller: 'a',
      sink,
      filter: {
        toolsListChanged: true,
        promptsListChanged: true, // no prompts here: left out
        resourceSubscriptions: ['item://1', 'test://clock', 'test://static', 'nope://x', 'item://1'],
        // a field this server does not know: left out
        ...({ futureThing: true } as object),
      },
    });
    expect(messages).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: {
          _meta: { [SUBSCRIPTION_ID]: 7 },
          notifications: { toolsListChanged: true, resourceSubscriptions: ['item://1', 'test://clock'] },
        },
      },
    ]);
    changes.resourceUpdated('item://1');
    changes.resourceUpdated('item://2'); // not asked for
    changes.resourceUpdated('test://static'); // not honoured
    changes.promptsListChanged(); // not honoured
    changes.resourcesListChanged(); // not asked for
    changes.toolsListChanged();
    clock.tick();
    expect(messages.slice(1)).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { _meta: { [SUBSCRIPTION_ID]: 7 }, uri: 'item://1' },
      },
      {
        jsonrpc: '2.0',
        method: 'notifications/tools/list_changed',
        params: { _meta: { [SUBSCRIPTION_ID]: 7 } },
      },
      {
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { _meta: { [SUBSCRIPTION_ID]: 7 }, uri: 'test://clock' },
      },
    ]);
  });

  it('delivers one change to each of 500 listeners once, runs a watcher once, and stops it with the last', () => {
    const { tables, clock } = fixture();
    const listens = listensFor(tables, { logger: captureLogs().logger, maxPerCaller: 1_000 });
    const sinks = Array.from({ length: 500 }, () => recordingSink());
    const opened = sinks.map((s, i) =>
      listens.open({
        id: `l${i}`,
        caller: 'a',
        sink: s.sink,
        filter: { resourceSubscriptions: ['test://clock'] },
      }),
    );
    expect(clock.started).toBe(1);
    clock.tick();
    clock.tick();
    for (const [i, s] of sinks.entries()) {
      expect(s.messages.map((m) => m.method)).toEqual([
        'notifications/subscriptions/acknowledged',
        'notifications/resources/updated',
        'notifications/resources/updated',
      ]);
      expect(s.messages.every((m) => tagOf(m) === `l${i}`)).toBe(true);
    }
    for (const listen of opened.slice(0, 499)) listen.cancel();
    expect(clock.stopped).toBe(0);
    opened[499]?.cancel();
    expect(clock.stopped).toBe(1);
    expect(tables.changes.stats()).toEqual({ uris: 0, watchers: 0, listListeners: 0 });
    expect(listens.size).toBe(0);
  });

  it('refuses past the per-caller bound quickly, logs it once, and still admits other callers', () => {
    const { tables } = fixture();
    const logs = captureLogs();
    const listens = listensFor(tables, { logger: logs.logger, maxPerCaller: 16, maxListens: 100 });
    const refused: unknown[] = [];
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) {
      try {
        listens.open({
          id: i,
          caller: 'greedy',
          sink: recordingSink().sink,
          filter: { toolsListChanged: true },
        });
      } catch (error) {
        refused.push(error);
      }
    }
    const elapsedMs = performance.now() - started;
    expect(listens.size).toBe(16);
    expect(refused).toHaveLength(9_984);
    expect(refused[0]).toMatchObject({
      code: TOO_MANY_LISTENS,
      message: expect.stringContaining('MCP_MAX_LISTENS_PER_CALLER'),
      data: { reason: 'too_many_listens', scope: 'caller', limit: 16 },
    });
    // one warning for the whole run, not one per refusal
    expect(logs.lines().filter((line) => String(line.msg).includes('listen refused'))).toHaveLength(1);
    // the refusals cost nothing much: far under a millisecond each even on a loaded machine
    expect(elapsedMs).toBeLessThan(5_000);
    // only the 16 hold anything
    expect(tables.changes.stats().listListeners).toBe(16);
    const other = recordingSink();
    listens.open({ id: 1, caller: 'polite', sink: other.sink, filter: {} });
    expect(other.messages[0]?.method).toBe('notifications/subscriptions/acknowledged');
  });

  it('refuses past the process bound whoever asks', () => {
    const { tables } = fixture();
    const listens = listensFor(tables, { logger: captureLogs().logger, maxPerCaller: 5, maxListens: 3 });
    for (const caller of ['a', 'b', 'c'])
      listens.open({ id: 1, caller, sink: recordingSink().sink, filter: {} });
    expect(() => listens.open({ id: 1, caller: 'd', sink: recordingSink().sink, filter: {} })).toThrow(
      expect.objectContaining({
        code: TOO_MANY_LISTENS,
        data: expect.objectContaining({ scope: 'process' }),
      }),
    );
  });

  it('drops a listener that stops reading, releasing what it held', () => {
    const { tables, changes, clock } = fixture();
    const dropped: string[] = [];
    const listens = listensFor(tables, {
      logger: captureLogs().logger,
      observer: {
        listenRefused: () => {},
        listenNotified: () => {},
        listenDropped: () => dropped.push('dropped'),
      },
    });
    const slow = recordingSink();
    listens.open({
      id: 1,
      caller: 'a',
      sink: slow.sink,
      filter: { resourceSubscriptions: ['test://clock', 'item://9'] },
    });
    slow.state.full = true;
    changes.resourceUpdated('item://9');
    expect(dropped).toEqual(['dropped']);
    expect(slow.state).toMatchObject({ ended: true, final: undefined });
    expect(clock.stopped).toBe(1);
    expect(listens.size).toBe(0);
    expect(tables.changes.stats()).toEqual({ uris: 0, watchers: 0, listListeners: 0 });
  });

  it('ends every listen at shutdown with its complete result, then refuses new ones', () => {
    const { tables } = fixture();
    const listens = listensFor(tables, { logger: captureLogs().logger });
    const a = recordingSink();
    const b = recordingSink();
    listens.open({ id: 'a', caller: 'x', sink: a.sink, filter: { toolsListChanged: true } });
    listens.open({ id: 2, caller: 'y', sink: b.sink, filter: {} });
    listens.closeAll();
    expect(a.state.final).toEqual({
      jsonrpc: '2.0',
      id: 'a',
      result: {
        resultType: 'complete',
        _meta: {
          [SUBSCRIPTION_ID]: 'a',
          'io.modelcontextprotocol/serverInfo': { name: 'listen-fixture', version: '1.0.0' },
        },
      },
    });
    expect(b.state.final).toMatchObject({ id: 2, result: { _meta: { [SUBSCRIPTION_ID]: 2 } } });
    expect(listens.size).toBe(0);
    expect(() => listens.open({ id: 3, caller: 'x', sink: recordingSink().sink, filter: {} })).toThrow(
      /shutting down/,
    );
  });
});
