import type { IncomingMessage } from 'node:http';
import { ApiProblem } from './problems.ts';

/**
 * The request body as JSON: 415 unless it is declared application/json, 413 past `maxBytes`
 * (from Content-Length at once, or while reading a chunked body), 400 when empty or not JSON.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new ApiProblem(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'send the body as JSON with Content-Type: application/json',
    );
  }
  const tooLarge = () =>
    new ApiProblem(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`, {
      headers: { connection: 'close' },
    });
  if (Number(req.headers['content-length']) > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  const { chunks, size } = await collect(req, maxBytes, tooLarge);
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') throw new ApiProblem(400, 'INVALID_INPUT', 'the body is empty: send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiProblem(400, 'INVALID_INPUT', 'the body is not valid JSON');
  }
}

/** The body's chunks; past `maxBytes` it rejects at once and drains the rest (so the 413 can be sent). */
function collect(
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: () => ApiProblem,
): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve({ chunks, size }));
    req.on('error', reject);
  });
}
