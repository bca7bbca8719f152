import type { ChangeEvent, ChangeFeed } from './changes.ts';

export type ListKind = 'tools' | 'prompts' | 'resources';

/** A static resource's own watcher (`ResourceDefinition.watch`). */
export type Watch = (changed: () => void) => () => void;

/**
 * The process's listeners of the change feed, by URI: every listen stream and legacy
 * subscription of this process registers here, and the hub hears the feed once for all of them,
 * so an event costs one map lookup however many listeners other URIs have. A static resource's
 * `watch` runs only while someone listens to its URI: started with the first listener, stopped
 * with the last, and what it reports reaches this process's listeners of that URI (not the feed:
 * a watcher watches something local, and each replica runs its own).
 */
export interface ChangeHub {
  readonly feed: ChangeFeed;
  /** `listener` runs whenever the resource at `uri` is updated; the function returned stops it. */
  watchResource(uri: string, listener: () => void): () => void;
  /** `listener` runs whenever a list (tools, prompts, resources) changes. */
  watchLists(listener: (kind: ListKind) => void): () => void;
  /** URIs with at least one listener, and static watchers running: what a closed listen must release. */
  stats(): { uris: number; watchers: number; listListeners: number };
}

interface UriEntry {
  listeners: Set<() => void>;
  stop: (() => void) | undefined;
}

const LIST_KIND: Readonly<Record<Exclude<ChangeEvent['type'], 'resourceUpdated'>, ListKind>> = {
  toolsListChanged: 'tools',
  promptsListChanged: 'prompts',
  resourcesListChanged: 'resources',
};

export function createChangeHub(
  feed: ChangeFeed,
  watcherOf: (uri: string) => Watch | undefined,
  onError: (error: unknown) => void = () => {},
): ChangeHub {
  const byUri = new Map<string, UriEntry>();
  const lists = new Set<(kind: ListKind) => void>();
  let unsubscribe: (() => void) | undefined;
  let watchers = 0;

  const run = (listener: () => void) => {
    try {
      listener();
    } catch (error) {
      onError(error);
    }
  };
  const onEvent = (event: ChangeEvent) => {
    if (event.type === 'resourceUpdated') {
      const entry = byUri.get(event.uri);
      if (entry) for (const listener of [...entry.listeners]) run(listener);
      return;
    }
    const kind = LIST_KIND[event.type];
    for (const listener of [...lists]) run(() => listener(kind));
  };
  // the feed is heard only while someone here listens
  const hear = () => {
    unsubscribe ??= feed.subscribe(onEvent);
  };
  const release = () => {
    if (byUri.size === 0 && lists.size === 0) {
      unsubscribe?.();
      unsubscribe = undefined;
    }
  };

  return {
    feed,
    watchResource(uri, listener) {
      hear();
      let entry = byUri.get(uri);
      if (!entry) {
        entry = { listeners: new Set(), stop: undefined };
        byUri.set(uri, entry);
        const watch = watcherOf(uri);
        if (watch) {
          // a watcher's changes go to this process's listeners only, never through the feed: with a
          // feed shared by replicas (Redis), every replica with a listener runs its own watcher, and
          // relaying each one's events would tell every listener N times
          entry.stop = watch(() => onEvent({ type: 'resourceUpdated', uri }));
          watchers++;
        }
      }
      // a wrapper: the same function watching twice is two registrations
      const registration = () => listener();
      entry.listeners.add(registration);
      const current = entry;
      return () => {
        if (!current.listeners.delete(registration) || current.listeners.size > 0) return;
        byUri.delete(uri);
        if (current.stop) {
          watchers--;
          current.stop();
        }
        release();
      };
    },
    watchLists(listener) {
      hear();
      const registration = (kind: ListKind) => listener(kind);
      lists.add(registration);
      return () => {
        lists.delete(registration);
        release();
      };
    },
    stats: () => ({ uris: byUri.size, watchers, listListeners: lists.size }),
  };
}
