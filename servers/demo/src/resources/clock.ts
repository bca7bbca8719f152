import { defineResource } from '@mcp-stack/core';

/** The current time; changes every second; subscribable (stdio and stateful HTTP). */
export function clockResource(now: () => Date, tickMs = 1_000) {
  return defineResource({
    uri: 'demo://clock',
    name: 'clock',
    title: 'Clock',
    description: 'The current time in UTC (ISO 8601). It changes every second: subscribe to be told.',
    mimeType: 'text/plain',
    read: () => now().toISOString(),
    watch: (changed) => {
      const timer = setInterval(changed, tickMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  });
}
