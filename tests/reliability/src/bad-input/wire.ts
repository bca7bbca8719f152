// Sending raw bodies and lines (never through the SDK client, which would validate them) and
// judging each answer against what its corpus entry expects.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { CorpusEntry, Expectation } from './corpus.ts';
import { MARKER } from './hostile-strings.ts';

export type Transport = 'http' | 'stdio';

export const HTTP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** A stack frame, a source path or an HTML page: what an answer must never contain. */
const LEAKS: ReadonlyArray<[string, RegExp]> = [
  ['a stack frame', /\n\s*at \S/],
  ['a stack frame location', /\((?:\/|file:|node:)[^)]*:\d+:\d+\)/],
  ['an internal module', /node:internal|node_modules\//],
  ['a source file path', /(?:\/[\w.@-]+)+\.(?:ts|js|mjs|cjs):\d+/],
  ['HTML', /<\s*(?:!doctype|html|head|body|pre)\b/i],
];

const short = (text: string, max = 300) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `text` names `field` the way core and the servers do: `field: …`, `; field: …`, `field[0]: …`. */
export function namesField(text: string, field: string): boolean {
  return new RegExp(`(?:^|: |; )${escapeRegExp(field)}(?:\\[|\\.|:)`).test(text);
}

export interface Verdict {
  problems: string[];
}

/** Judges one answer (the JSON text of one JSON-RPC message) against its entry. */
export function judge(entry: CorpusEntry, text: string, transport: Transport): Verdict {
  const problems: string[] = [];
  const verdict: Verdict = { problems };
  for (const [what, pattern] of LEAKS)
    if (pattern.test(text)) problems.push(`contains ${what}: ${short(text)}`);
  if (text.includes(MARKER)) problems.push(`carries the pollution marker: ${short(text)}`);
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(text);
  } catch {
    problems.push(`not JSON: ${short(text)}`);
    return verdict;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    problems.push(`not a JSON-RPC object: ${short(text)}`);
    return verdict;
  }
  if (message.jsonrpc !== '2.0') problems.push(`jsonrpc is ${JSON.stringify(message.jsonrpc)}`);
  if (entry.id === null) {
    if ('id' in message && message.id !== null)
      problems.push(`expected no id, got ${short(JSON.stringify(message.id))}`);
  } else if (message.id !== entry.id) {
    problems.push(`id ${short(JSON.stringify(message.id))} instead of ${short(JSON.stringify(entry.id))}`);
  }
  const hasError = 'error' in message;
  if (hasError === 'result' in message) problems.push('needs exactly one of result and error');
  if (hasError) {
    const { code, message: msg } = (message.error ?? {}) as { code?: unknown; message?: unknown };
    if (!Number.isInteger(code)) problems.push(`error code ${JSON.stringify(code)} is not an integer`);
    if (typeof msg !== 'string' || msg === '') problems.push('error without a message');
  }
  judgeExpectation(entry.expect, message, transport, problems);
  return verdict;
}

function judgeExpectation(
  expect: Expectation,
  message: Record<string, unknown>,
  transport: Transport,
  problems: string[],
) {
  const error = message.error as { code: number; message: string } | undefined;
  const result = message.result as
    | { isError?: boolean; content?: Array<{ type: string; text?: string }> }
    | undefined;
  const toolText = () => (Array.isArray(result?.content) ? String(result?.content[0]?.text ?? '') : '');
  const got = () => short(JSON.stringify(message));
  switch (expect.kind) {
    case 'none':
      problems.push(`expected no answer, got ${got()}`);
      return;
    case 'rpc-error': {
      if (!error) {
        problems.push(`expected a JSON-RPC error ${expect.codes.join('/')}, got ${got()}`);
        return;
      }
      const names = [...(expect.names ?? []), ...(transport === 'http' ? (expect.httpNames ?? []) : [])];
      const missing = names.filter((name) => !String(error.message).includes(name));
      if (!expect.codes.includes(error.code))
        problems.push(`error code ${error.code} instead of ${expect.codes.join('/')}: ${got()}`);
      if (missing.length) problems.push(`the message does not name ${missing.join(', ')}: ${got()}`);
      return;
    }
    case 'tool-error':
    case 'tool-result': {
      if (!result || !Array.isArray(result.content)) {
        problems.push(`expected a tool result, got ${got()}`);
        return;
      }
      const text = toolText();
      if (result.isError) {
        const code = /^([A-Z_]+): /.exec(text)?.[1];
        if (!code) problems.push(`an error result not starting with its code: ${got()}`);
        if (code === 'INTERNAL') problems.push(`an internal error: ${got()}`);
        if (expect.kind === 'tool-error' && code && !expect.codes.includes(code))
          problems.push(`code ${code} instead of ${expect.codes.join('/')}: ${got()}`);
        if (expect.kind === 'tool-error') {
          const missing = (expect.names ?? []).filter((name) => !namesField(text, name));
          if (missing.length)
            problems.push(`the text does not name the field ${missing.join(', ')}: ${got()}`);
        }
      } else if (expect.kind === 'tool-error') {
        problems.push(`expected an error result (${expect.codes.join('/')}), got ${got()}`);
      }
      return;
    }
    case 'answer':
      if (error?.code === -32603) problems.push(`an internal error: ${got()}`);
      return;
  }
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** The JSON-RPC messages of the body (one for JSON, each `data:` of an SSE stream). */
  messages: string[];
}

/** A write to a connection the server already closed (EPIPE, ECONNRESET), as undici reports it. */
const cutWhileSending = (error: unknown) =>
  /EPIPE|ECONNRESET/.test(String((error as { cause?: { code?: unknown } }).cause?.code));

/** POSTs one corpus body to an MCP endpoint, exactly as given. */
export async function postRaw(url: string, entry: CorpusEntry): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...HTTP_HEADERS, ...entry.http?.headers };
  for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
  const send = () =>
    fetch(url, {
      method: entry.http?.method ?? 'POST',
      headers,
      body: entry.body as NonNullable<RequestInit['body']>,
      signal: AbortSignal.timeout(60_000),
    });
  let response: Response | undefined;
  // An oversized body is answered 413 and the connection closed before the client has sent it
  // all (HTTP allows that); the client may then lose the answer to a reset. Sent again, up to 3
  // times: the 413 must still arrive, with its JSON-RPC body.
  for (let attempt = 1; !response; attempt++) {
    response = await send().catch((error: unknown) => {
      if (entry.http?.status === 413 && attempt < 3 && cutWhileSending(error)) return undefined;
      throw new Error(`${entry.label}: no HTTP answer`, { cause: error });
    });
  }
  const body = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const messages = contentType.startsWith('text/event-stream')
    ? body
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
    : body === ''
      ? []
      : [body];
  return { status: response.status, contentType, body, messages };
}

/** Judges one HTTP exchange: the status and content type, then the answer. */
export function judgeHttp(entry: CorpusEntry, answer: HttpAnswer): Verdict {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`HTTP ${answer.status}`);
  if (entry.http?.status !== undefined && answer.status !== entry.http.status)
    problems.push(`HTTP ${answer.status} instead of ${entry.http.status}`);
  if (entry.expect.kind === 'none') {
    if (answer.status !== 202 || answer.body !== '')
      problems.push(`expected 202 with no body, got ${answer.status} ${short(answer.body)}`);
    return { problems };
  }
  if (!/^(application\/json|text\/event-stream)/.test(answer.contentType))
    problems.push(`content type ${answer.contentType}: ${short(answer.body)}`);
  // the answer is the last message; notifications (progress, log messages) may come first
  const notifications = answer.messages.slice(0, -1);
  for (const n of notifications) {
    if (!/"method":"notifications\//.test(n))
      problems.push(`an extra message before the answer: ${short(n)}`);
  }
  const last = answer.messages.at(-1);
  if (last === undefined) {
    problems.push(`no JSON-RPC message in ${answer.status} ${short(answer.body)}`);
    return { problems };
  }
  const verdict = judge(entry, last, 'http');
  return { ...verdict, problems: [...problems, ...verdict.problems] };
}

/** A server bin spawned over stdio, read line by line, with no SDK in between. */
export class RawStdio {
  readonly child: ChildProcessWithoutNullStreams;
  #buffer = '';
  #pending: string[] = [];
  #wake: (() => void) | undefined;
  #stderr = '';

  constructor(command: string, args: string[], env: Record<string, string>) {
    this.child = spawn(command, args, { env: { ...process.env, ...env } });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let newline = this.#buffer.indexOf('\n');
      while (newline !== -1) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line !== '') this.#pending.push(line);
        newline = this.#buffer.indexOf('\n');
      }
      this.#wake?.();
    });
    // keep only the tail: enough to explain a failure, bounded however much is logged
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-20_000);
    });
    this.child.stdin.on('error', () => {}); // a dead child shows up as a missing answer
  }

  stderr(): string {
    return this.#stderr;
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(body: string | Uint8Array): void {
    this.child.stdin.write(body);
    this.child.stdin.write('\n');
  }

  /** Lines not taken yet. */
  pending(): string[] {
    return [...this.#pending];
  }

  /** The first line (received or to come) that `accept` takes; undefined after `timeoutMs`. */
  async take(
    accept: (message: Record<string, unknown> | undefined, line: string) => boolean,
    timeoutMs = 20_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#pending.findIndex((line) => accept(tryParse(line), line));
      if (index !== -1) return this.#pending.splice(index, 1)[0] as string;
      const left = deadline - Date.now();
      if (left <= 0 || !this.alive()) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** initialize, then notifications/initialized; resolves with the initialize result line. */
  async initialize(): Promise<string | undefined> {
    this.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'bad-input', version: '0' },
        },
      }),
    );
    const line = await this.take((m) => m?.id === 'init');
    this.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    return line;
  }

  async stop(): Promise<void> {
    if (!this.alive()) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

function tryParse(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

const isNotification = (m: Record<string, unknown> | undefined) =>
  typeof m?.method === 'string' && !('id' in m);

/** Sends one entry over stdio and judges what comes back (or that nothing does). */
export async function exchangeStdio(stdio: RawStdio, entry: CorpusEntry, sentinel: string): Promise<Verdict> {
  stdio.send(entry.body);
  const problems: string[] = [];
  if (entry.id === undefined) {
    // nothing may answer it: a ping sent after it is answered, and nothing else came
    stdio.send(JSON.stringify({ jsonrpc: '2.0', id: sentinel, method: 'ping' }));
    const pong = await stdio.take((m) => m?.id === sentinel);
    if (!pong) problems.push(`no answer to the ping after it (alive: ${stdio.alive()})`);
    for (const line of stdio.pending())
      if (!isNotification(tryParse(line))) problems.push(`answered with ${short(line)}`);
    return { problems };
  }
  const line = await stdio.take((m, raw) =>
    entry.id === null
      ? m === undefined
        ? raw !== ''
        : !isNotification(m) && (!('id' in m) || m.id === null)
      : m !== undefined && m.id === entry.id && !('method' in m),
  );
  if (line === undefined)
    return {
      problems: [
        `no answer within the time limit (alive: ${stdio.alive()}); stderr: ${short(stdio.stderr(), 500)}`,
      ],
    };
  return judge(entry, line, 'stdio');
}
