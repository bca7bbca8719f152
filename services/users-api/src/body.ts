import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, ProtocolError, readJsonBody as readCoreJsonBody } from '@mcp-stack/core';
import { ApiProblem } from './problems.ts';

/**
 * The request body as JSON: 415 unless it is declared application/json, 413 past `maxBytes`
 * (from Content-Length at once, or while reading a chunked body: core's reader), 400 when empty
 * or not JSON.
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
  try {
    return await readCoreJsonBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new ApiProblem(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`, {
        headers: { connection: 'close' },
      });
    }
    const empty =
      error instanceof ProtocolError && (error.data as { reason?: string } | undefined)?.reason === 'empty';
    throw new ApiProblem(
      400,
      'INVALID_INPUT',
      empty ? 'the body is empty: send a JSON object' : 'the body is not valid JSON',
    );
  }
}
