// A core logger writing into a string, so tests can read what was logged.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@mcp-stack/core';

export function logSink(): { logger: Logger; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), text: () => text };
}
