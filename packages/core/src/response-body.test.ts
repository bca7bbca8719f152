import { describe, expect, it } from 'vitest';
import { checkMaxBytes, DEFAULT_MAX_RESPONSE_BYTES, readBoundedText } from './response-body.ts';

/** A response streaming `chunks` chunks of `size` bytes, counting how many the reader pulled. */
function streamed(chunks: number, size: number, headers: Record<string, string> = {}) {
  const counter = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= chunks) return controller.close();
      counter.pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
    cancel() {
      counter.cancelled = true;
    },
  });
  return { response: new Response(body, { headers }), counter };
}

describe('readBoundedText', () => {
  it('reads a body up to the limit exactly, as response.text() would (BOM dropped)', async () => {
    const { response } = streamed(4, 256);
    expect(await readBoundedText(response, 1024)).toEqual({
      kind: 'text',
      text: 'a'.repeat(1024),
      bytes: 1024,
    });
    const bom = new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
    expect(await readBoundedText(bom, 10)).toMatchObject({ kind: 'text', text: '{}' });
    expect(await readBoundedText(new Response(null, { status: 204 }), 10)).toEqual({
      kind: 'text',
      text: '',
      bytes: 0,
    });
  });

  it('decodes a character split across chunks', async () => {
    const euro = new TextEncoder().encode('€'); // 3 bytes
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of euro) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    expect(await readBoundedText(new Response(body), 3)).toMatchObject({ kind: 'text', text: '€' });
  });

  it('refuses a declared Content-Length over the limit before reading a byte, and cancels the body', async () => {
    const { response, counter } = streamed(1_000_000, 1024, { 'content-length': String(1024 ** 3) });
    expect(await readBoundedText(response, 1024)).toEqual({
      kind: 'tooLarge',
      declared: 1024 ** 3,
      received: 0,
    });
    expect(counter.cancelled).toBe(true);
    expect(counter.pulled).toBeLessThanOrEqual(1); // a stream may pull once as it starts
  });

  it('stops a body with no length (or a false one) one chunk past the limit, and cancels the rest', async () => {
    const { response, counter } = streamed(1_000_000, 1024);
    expect(await readBoundedText(response, 10 * 1024)).toEqual({
      kind: 'tooLarge',
      declared: undefined,
      received: 11 * 1024,
    });
    expect(counter.cancelled).toBe(true);
    expect(counter.pulled).toBeLessThanOrEqual(12);
    const lying = streamed(100, 1024, { 'content-length': '10' });
    expect(await readBoundedText(lying.response, 4096)).toMatchObject({ kind: 'tooLarge', declared: 10 });
  });

  it('has a default of 10 MiB and checks a limit given as an option', () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(10 * 1024 * 1024);
    expect(checkMaxBytes('maxResponseBytes', 1)).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => checkMaxBytes('maxResponseBytes', bad)).toThrow(RangeError);
  });
});
