// Reading an upstream's response body without ever holding more than a limit: the declared
// Content-Length is checked before a byte is read, then the stream is read with a running count
// and cancelled (closing the connection) as soon as it passes the limit.

/** What the HTTP client accepts from one response unless told otherwise: 10 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export type BoundedBody =
  | { kind: 'text'; text: string; bytes: number }
  /** Over the limit: `declared` when Content-Length said so, `received` bytes read before stopping. */
  | { kind: 'tooLarge'; declared: number | undefined; received: number };

/**
 * The body as UTF-8 text (a leading BOM dropped, as `response.text()` does), or `tooLarge` when
 * it declares or sends more than `maxBytes`. At most `maxBytes` plus one network chunk is ever
 * buffered; a body refused is cancelled, so the rest is never downloaded.
 */
export async function readBoundedText(response: Response, maxBytes: number): Promise<BoundedBody> {
  const declared = declaredLength(response.headers.get('content-length'));
  if (declared !== undefined && declared > maxBytes) {
    response.body?.cancel().catch(() => undefined); // not awaited: some streams settle it late
    return { kind: 'tooLarge', declared, received: 0 };
  }
  if (!response.body) return { kind: 'text', text: '', bytes: 0 };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      reader.cancel().catch(() => undefined);
      return { kind: 'tooLarge', declared, received };
    }
    chunks.push(value);
  }
  return { kind: 'text', text: new TextDecoder().decode(Buffer.concat(chunks, received)), bytes: received };
}

function declaredLength(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header);
}

/** Checks a byte limit given as an option: a whole number of bytes, at least 1. */
export function checkMaxBytes(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`http client ${name} must be a whole number of bytes >= 1, got ${value}`);
  return value;
}
