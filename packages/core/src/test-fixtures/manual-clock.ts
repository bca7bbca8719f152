// A subscribable static resource that changes only when a test says so: `tick()` reports a
// change to whoever watches it; `started`, `stopped` and `running` count its watchers, so a test
// can see the watch begin with the first listener and end with the last.
import { defineResource, type ResourceDefinition } from '../server.ts';

export interface ManualClock {
  resource: ResourceDefinition;
  /** Reports a change (a no-op while nobody watches). */
  tick(): void;
  readonly started: number;
  readonly stopped: number;
  readonly running: number;
}

export function manualClock(uri = 'test://clock'): ManualClock {
  let changed = () => {};
  let started = 0;
  let stopped = 0;
  return {
    resource: defineResource({
      uri,
      name: 'clock',
      read: () => 'now',
      watch: (onChange) => {
        started++;
        changed = onChange;
        return () => {
          stopped++;
          changed = () => {};
        };
      },
    }),
    tick: () => changed(),
    get started() {
      return started;
    },
    get stopped() {
      return stopped;
    },
    get running() {
      return started - stopped;
    },
  };
}
