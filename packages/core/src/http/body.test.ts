import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, MessageShapeError, readJsonBody } from './body.ts';

/** A request whose body arrives as exactly these chunks, one `data` event each. */
function arriving(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return stream as unknown as IncomingMessage;
}

describe('readJsonBody', () => {
  it('reads a body split anywhere, inside a multi-byte character too', async () => {
    const message = { jsonrpc: '2.0', id: 'é-1', method: 'tools/call', params: { name: 'Zoë 北京 🦊' } };
    const bytes = Buffer.from(JSON.stringify(message));
    for (let at = 0; at <= bytes.length; at++) {
      const parts = [bytes.subarray(0, at), bytes.subarray(at)];
      expect(await readJsonBody(arriving(parts), 1024)).toEqual(message);
    }
    // one byte a chunk
    const single = [...bytes].map((byte) => Buffer.from([byte]));
    expect(await readJsonBody(arriving(single), 1024)).toEqual(message);
  });

  it('refuses a body past the limit while reading, whatever Content-Length said', async () => {
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(300, 0x20));
    await expect(readJsonBody(arriving(chunks), 1_000)).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(readJsonBody(arriving([], { 'content-length': '1001' }), 1_000)).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
  });

  it('refuses a body over a shape bound unparsed, with its id, and tells an empty body from broken JSON', async () => {
    const deep = `{"jsonrpc":"2.0","id":7,"method":"x","params":${'['.repeat(100)}${']'.repeat(100)}}`;
    const refused = readJsonBody(
      arriving([Buffer.from(deep.slice(0, 50)), Buffer.from(deep.slice(50))]),
      10_000,
    );
    await expect(refused).rejects.toBeInstanceOf(MessageShapeError);
    await expect(refused).rejects.toMatchObject({ requestId: 7 });
    await expect(readJsonBody(arriving([Buffer.from('  ')]), 100)).rejects.toMatchObject({
      data: { reason: 'empty' },
    });
    await expect(readJsonBody(arriving([Buffer.from('{"a":'), Buffer.from('}')]), 100)).rejects.toMatchObject(
      {
        data: { reason: 'invalid' },
      },
    );
  });
});
