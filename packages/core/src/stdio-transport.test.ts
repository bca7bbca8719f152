// The line transport's bounds, driven through real streams: requests in flight, cancellation
// freeing a place, a line gathered over many chunks, a last line without its newline.
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { LineTransport, type LineTransportOptions } from './stdio-transport.ts';

function setup(options: LineTransportOptions = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const transport = new LineTransport(input, output, options);
  const received: JSONRPCMessage[] = [];
  transport.onmessage = (message) => received.push(message);
  const written: string[] = [];
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => written.push(...chunk.split('\n').filter(Boolean)));
  const request = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' })}\n`;
  const ids = () => received.map((m) => (m as { id?: number }).id);
  return { input, output, transport, received, written, request, ids };
}

describe('LineTransport', () => {
  it('hands on at most maxInFlight requests, the next one as each is answered', async () => {
    const { input, transport, request, ids } = setup({ maxInFlight: 2 });
    await transport.start();
    input.write([1, 2, 3, 4, 5].map(request).join(''));
    await expect.poll(ids).toEqual([1, 2]);
    expect(transport.inFlight).toBe(5);
    await transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    expect(ids()).toEqual([1, 2, 3]);
    await transport.send({ jsonrpc: '2.0', id: 3, result: {} });
    await transport.send({ jsonrpc: '2.0', id: 2, result: {} });
    expect(ids()).toEqual([1, 2, 3, 4, 5]);
    // a notification is handed on at once even while every place is taken
    input.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    await expect.poll(() => ids().length).toBe(6);
    expect(transport.inFlight).toBe(2);
  });

  it('stops reading once the queue of waiting requests is full, and reads again as it empties', async () => {
    const { input, transport, request, ids } = setup({ maxInFlight: 1, maxWaitingBytes: 200 });
    await transport.start();
    input.write(request(1));
    await expect.poll(ids).toEqual([1]);
    for (let id = 2; id <= 20; id++) input.write(request(id));
    // 47 bytes a request: the fifth waiting one fills the 200 bytes, and the rest stays unread
    await expect.poll(() => transport.inFlight).toBe(6);
    expect(input.isPaused()).toBe(true);
    // answered one by one, each next request is handed on, and reading resumes
    for (let id = 1; id <= 19; id++) {
      await expect.poll(() => ids().includes(id)).toBe(true);
      await transport.send({ jsonrpc: '2.0', id, result: {} });
    }
    await expect.poll(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('frees the place of a request the client cancelled (it gets no answer)', async () => {
    const { input, transport, request, ids } = setup({ maxInFlight: 1 });
    await transport.start();
    input.write(request(1) + request(2));
    await expect.poll(ids).toEqual([1]);
    input.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } })}\n`,
    );
    await expect.poll(ids).toEqual([1, undefined, 2]);
  });

  it('reads a line sent one byte at a time, and refuses one over the bound whole', async () => {
    const { input, transport, request, ids, written } = setup({ maxLineBytes: 100 });
    await transport.start();
    for (const byte of request(7)) input.write(byte);
    await expect.poll(ids).toEqual([7]);
    input.write(`${'x'.repeat(150)}\n${request(8)}`);
    await expect.poll(ids).toEqual([7, 8]);
    expect(written.map((line) => JSON.parse(line).error?.message)).toEqual(['message larger than 100 bytes']);
  });

  it('serves a last line with no newline, then says stdin ended; idle once it is answered', async () => {
    const { input, transport, request, ids } = setup();
    await transport.start();
    const ended = new Promise<void>((resolve) => (transport.onend = resolve));
    input.end(request(9).trimEnd());
    await ended;
    expect(ids()).toEqual([9]);
    let idle = false;
    void transport.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    await transport.send({ jsonrpc: '2.0', id: 9, result: {} });
    await expect.poll(() => idle).toBe(true);
  });
});
