// A raw subscriptions/listen client over HTTP for tests: the POST, then its SSE read message by
// message as it arrives, so a test waits for the next message instead of sleeping.

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

export interface HttpListen {
  status: number;
  headers: Headers;
  /** The JSON body when the answer was not a stream (a refusal). */
  json: Record<string, unknown> | undefined;
  /** The next message of the stream; rejects when the stream ends first. */
  next(): Promise<Record<string, unknown>>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** The client's cancellation: closes the stream. */
  close(): void;
}

/** Modern headers for `method` (the ones a conforming client sends). */
export function modernHeaders(method: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...extra,
  };
}

export async function openHttpListen(
  url: string,
  options: {
    id?: string | number;
    filter?: unknown;
    params?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpListen> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: modernHeaders('subscriptions/listen', options.headers),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: options.id ?? 1,
      method: 'subscriptions/listen',
      params: options.params ?? { _meta: MODERN_META, notifications: options.filter ?? {} },
    }),
    signal: controller.signal,
  });
  const close = () => controller.abort();
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const json = (await response.json()) as Record<string, unknown>;
    return {
      status: response.status,
      headers: response.headers,
      json,
      next: () => Promise.reject(new Error('not a stream')),
      ended: Promise.resolve(),
      close,
    };
  }
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<{ resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  let done = false;
  const push = (message: Record<string, unknown>) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  };
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          buffer = buffer.slice(end + 2);
          if (data) push(JSON.parse(data) as Record<string, unknown>);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close(), or the connection dropped
    } finally {
      done = true;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error('the stream ended'));
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    json: undefined,
    next: () => {
      const message = queue.shift();
      if (message) return Promise.resolve(message);
      if (done) return Promise.reject(new Error('the stream ended'));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    ended,
    close,
  };
}

/** A modern request's JSON answer (not a stream). */
export async function modernCall(
  url: string,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const name = (params.name ?? params.uri) as string | undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: modernHeaders(method, { ...(name !== undefined && { 'mcp-name': name }), ...headers }),
    body: JSON.stringify({ jsonrpc: '2.0', id: 99, method, params: { ...params, _meta: MODERN_META } }),
  });
  return (await response.json()) as Record<string, unknown>;
}
