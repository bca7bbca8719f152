/**
 * The change feed: how a server says something changed (a resource, or the list of tools,
 * prompts or resources), and how the transports hear it to tell their listeners
 * (`subscriptions/listen` in the modern era, `resources/subscribe` and the list-changed
 * notifications in the legacy one). One feed per process, in memory; an implementation over a
 * shared bus (Redis pub/sub, issue 18) keeps this interface, so publishing may be asynchronous
 * and a listener may hear an event some time after it was published.
 */
export type ChangeEvent =
  | { type: 'resourceUpdated'; uri: string }
  | { type: 'toolsListChanged' }
  | { type: 'promptsListChanged' }
  | { type: 'resourcesListChanged' };

export type ChangeListener = (event: ChangeEvent) => void;

export interface ChangeFeed {
  /** The resource at `uri` changed: listeners of that URI get `notifications/resources/updated`. */
  resourceUpdated(uri: string): void | Promise<void>;
  toolsListChanged(): void | Promise<void>;
  promptsListChanged(): void | Promise<void>;
  resourcesListChanged(): void | Promise<void>;
  /** Hears every event from now on; the function returned stops it. */
  subscribe(listener: ChangeListener): () => void;
}

/**
 * The per-process feed: an event reaches every listener synchronously, in the order they
 * subscribed. A listener that throws does not keep the event from the others.
 */
export function createMemoryChangeFeed(options: { onError?: (error: unknown) => void } = {}): ChangeFeed {
  const listeners = new Set<ChangeListener>();
  const publish = (event: ChangeEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        options.onError?.(error);
      }
    }
  };
  return {
    resourceUpdated: (uri) => publish({ type: 'resourceUpdated', uri }),
    toolsListChanged: () => publish({ type: 'toolsListChanged' }),
    promptsListChanged: () => publish({ type: 'promptsListChanged' }),
    resourcesListChanged: () => publish({ type: 'resourcesListChanged' }),
    subscribe(listener) {
      // a wrapper, so the same function subscribed twice is two subscriptions
      const entry: ChangeListener = (event) => listener(event);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
  };
}
