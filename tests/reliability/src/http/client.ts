// Requests with full control of headers and body framing (fetch will not send a foreign Host or
// a chunked body of our choosing), and the load generator run in its own process.
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadReport, LoadSpec } from './load-worker.ts';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body, read by tests
  json(): any;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A body sent with a Content-Length. */
  body?: string | Buffer;
  /** A body sent as these chunks with Transfer-Encoding: chunked (no Content-Length). */
  chunks?: Array<string | Buffer>;
}

/**
 * One request on a fresh connection. Resolves with the response, or rejects with the socket error
 * (ECONNREFUSED, ECONNRESET) when none came.
 */
export function raw(url: string, options: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    }
  });
}

/** The code of a request that got no response (ECONNREFUSED, ECONNRESET, …). */
export function errorCode(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string }; message?: string };
  return e.code ?? e.cause?.code ?? e.message ?? String(error);
}

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/** Runs the load generator in a child process and returns its report. */
export async function runLoad(spec: LoadSpec): Promise<LoadReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [WORKER, JSON.stringify(spec)], {
    timeout: 10 * 60_000,
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as LoadReport;
}

export type { LoadReport, LoadSpec };
