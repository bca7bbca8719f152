// Questions a handler asks the client before it can finish: `ctx.ask`, `ctx.elicit`. One API for
// every way a transport can put them:
// - the modern era (2026-07-28) answers `input_required` and the client retries the request with
//   the answers (basic/patterns/mrtr.mdx). Nothing waits in the process: the handler runs again
//   from the top on the retry, and each `ask` it reaches returns the answer the retry carries, or
//   one an earlier round collected (sealed into the signed `requestState`). So a handler that asks
//   must be safe to run again up to its questions: ask first, act after.
// - the legacy era asks with a server-to-client request (`elicitation/create`, …) on stdio and in
//   sessions, and the handler's await is the answer.
// - a task (Tasks extension) moves to `input_required` and waits for `tasks/update`.
// - stateless legacy HTTP cannot ask at all: the handler gets a clear error.

import { createHash } from 'node:crypto';
import {
  CreateMessageResultSchema,
  type ElicitResult,
  ElicitResultSchema,
  ListRootsResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { AppError } from './errors.ts';
import { ProtocolError, protocolError } from './protocol-error.ts';
import { type RequestBinding, type RequestStateCodec, RequestStateError } from './request-state.ts';

/** The client capability each kind of question needs, by its method. */
export const QUESTION_CAPABILITY = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
} as const;

export type QuestionMethod = keyof typeof QUESTION_CAPABILITY;
export type QuestionKind = (typeof QUESTION_CAPABILITY)[QuestionMethod];

/** One question: a request the client answers (an `InputRequests` value in 2026-07-28). */
export interface InputRequest {
  method: QuestionMethod;
  params?: Record<string, unknown>;
}

/** A form-style question: a message and a flat object schema of typed fields (elicitation). */
export interface ElicitForm {
  message: string;
  requestedSchema: {
    type: 'object';
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
}

export type { ElicitResult };

/** The methods that may answer `input_required` (mrtr.mdx, "Supported Requests"). */
export const ASKING_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * How a transport puts questions. `can` says whether a kind can be asked at all (the client
 * declared the capability and the transport has a way); `ask` resolves with every answer, keyed
 * like the questions, or throws.
 */
export interface Asker {
  can(kind: QuestionKind): boolean;
  ask(requests: Readonly<Record<string, InputRequest>>): Promise<Record<string, unknown>>;
}

/** What a question's answer is checked with, by its method. */
export const ANSWER_SCHEMA = {
  'elicitation/create': ElicitResultSchema,
  'sampling/createMessage': CreateMessageResultSchema,
  'roots/list': ListRootsResultSchema,
} as const;

/** A refused question kind: -32021 in the modern era, naming the capability to declare. */
export function missingCapability(kinds: ReadonlyArray<QuestionKind>): ProtocolError {
  return protocolError(
    'MissingRequiredClientCapability',
    `this request needs to ask the client (${kinds.join(', ')}), and the client did not declare ${kinds.length > 1 ? 'those capabilities' : 'that capability'} in _meta["io.modelcontextprotocol/clientCapabilities"]`,
    { requiredCapabilities: Object.fromEntries(kinds.map((kind) => [kind, {}])) },
  );
}

/** Where a transport cannot ask (stateless legacy HTTP, or a client that declared nothing). */
export function cannotAsk(): Asker {
  return {
    can: () => false,
    ask: async (requests) => {
      const wanted = kindsOf(requests);
      throw new AppError(
        'UNAVAILABLE',
        `this call needs to ask the client (${wanted.join(', ')}), and this connection cannot: connect with MCP 2026-07-28, stdio, or a --stateful session, from a client that declares ${wanted.join(' and ')}`,
      );
    },
  };
}

export function kindsOf(requests: Readonly<Record<string, InputRequest>>): QuestionKind[] {
  return [...new Set(Object.values(requests).map((request) => QUESTION_CAPABILITY[request.method]))];
}

/**
 * An answer checked against its question's method; `where` names it in the error
 * (`inputResponses["confirm"]` in the modern era, the answer to a request in the legacy one).
 */
export function checkAnswer(where: string, request: InputRequest, answer: unknown): unknown {
  const checked = ANSWER_SCHEMA[request.method].safeParse(answer);
  if (!checked.success) {
    throw protocolError(
      'InvalidParams',
      `invalid params: ${where} is not a result of ${request.method}: ${checked.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  if (request.method === 'elicitation/create') checkElicitContent(where, request, answer as ElicitResult);
  return answer;
}

/** An accepted form answer holds the required fields, each of the type the question gave it. */
function checkElicitContent(where: string, request: InputRequest, answer: ElicitResult): void {
  if (answer.action !== 'accept') return;
  const schema = request.params?.requestedSchema as ElicitForm['requestedSchema'] | undefined;
  if (!schema) return;
  const content = answer.content ?? {};
  const fault = (what: string) => protocolError('InvalidParams', `invalid params: ${where}.content${what}`);
  for (const field of schema.required ?? [])
    if (content[field] === undefined) throw fault(`.${field} is required`);
  for (const [field, value] of Object.entries(content)) {
    const property = schema.properties[field];
    if (!property) continue;
    const type = property.type;
    const ok =
      type === 'string'
        ? typeof value === 'string'
        : type === 'boolean'
          ? typeof value === 'boolean'
          : type === 'integer'
            ? Number.isInteger(value)
            : type === 'number'
              ? typeof value === 'number'
              : type === 'array'
                ? Array.isArray(value)
                : true;
    if (!ok) throw fault(`.${field} must be ${String(type)}`);
    const allowed = property.enum as unknown[] | undefined;
    if (allowed && !allowed.includes(value)) throw fault(`.${field} must be one of ${allowed.join(', ')}`);
  }
}

/** A question's fingerprint: an earlier answer is reused only for the same question. */
function fingerprint(request: InputRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.params ?? {}]))
    .digest('base64url')
    .slice(0, 16);
}

/** What the signed `requestState` carries between rounds. */
interface RoundState {
  /** Answers collected so far: key → [question fingerprint, answer]. */
  a: Record<string, [string, unknown]>;
  /** The questions asked in the last round: key → fingerprint. */
  q: Record<string, string>;
}

/** Thrown by a modern asker when questions are unanswered; `handle` turns it into the result. */
export class InputRequired extends Error {
  readonly inputRequests: Record<string, InputRequest>;
  readonly requestState: string;
  constructor(inputRequests: Record<string, InputRequest>, requestState: string) {
    super('input required');
    this.name = 'InputRequired';
    this.inputRequests = inputRequests;
    this.requestState = requestState;
  }
}

/** The salient part of a request an answer belongs to: what `requestState` is bound to. */
export function bindingOf(
  method: string,
  params: Record<string, unknown> | undefined,
  caller: string,
): RequestBinding {
  const salient =
    method === 'resources/read'
      ? { uri: params?.uri }
      : { name: params?.name, arguments: params?.arguments ?? {} };
  return { caller, method, params: salient };
}

/**
 * The modern era's asker for one request: answers come from the retry's `inputResponses`
 * (checked against the question) or from the verified `requestState`; an unanswered question
 * throws `InputRequired` with every question of that `ask` and a freshly sealed state.
 */
export function modernAsker(options: {
  clientCapabilities: Record<string, unknown>;
  inputResponses: Record<string, unknown> | undefined;
  requestState: unknown;
  codec: RequestStateCodec;
  binding: RequestBinding;
}): Asker {
  const { clientCapabilities, inputResponses, codec, binding } = options;
  let prior: RoundState = { a: {}, q: {} };
  if (options.requestState !== undefined) {
    try {
      prior = parseRound(codec.open(options.requestState, binding));
    } catch (error) {
      if (error instanceof RequestStateError)
        throw protocolError('InvalidParams', `invalid params: ${error.message}`, { problem: error.problem });
      throw error;
    }
  }
  const collected: RoundState['a'] = { ...prior.a };
  return {
    can: (kind) => kind in clientCapabilities,
    async ask(requests) {
      const missing = kindsOf(requests).filter((kind) => !(kind in clientCapabilities));
      if (missing.length) throw missingCapability(missing);
      const answers: Record<string, unknown> = {};
      const unanswered: Record<string, InputRequest> = {};
      for (const [key, request] of Object.entries(requests)) {
        const print = fingerprint(request);
        const earlier = collected[key];
        if (earlier && earlier[0] === print) {
          answers[key] = earlier[1];
          continue;
        }
        // an answer to a question this request never asked in its last round is ignored
        const given = Object.hasOwn(inputResponses ?? {}, key) ? inputResponses?.[key] : undefined;
        const askedBefore = options.requestState === undefined || prior.q[key] === print;
        if (given !== undefined && askedBefore) {
          answers[key] = checkAnswer(`inputResponses["${key}"]`, request, given);
          collected[key] = [print, answers[key]];
        } else unanswered[key] = request;
      }
      if (Object.keys(unanswered).length === 0) return answers;
      const round: RoundState = {
        a: collected,
        q: Object.fromEntries(Object.entries(unanswered).map(([key, r]) => [key, fingerprint(r)])),
      };
      let state: string;
      try {
        state = codec.seal(round, binding);
      } catch (error) {
        throw new AppError(
          'INVALID_INPUT',
          `the answers given so far are too large to carry to the next round (${error instanceof Error ? error.message : 'too large'})`,
        );
      }
      throw new InputRequired(unanswered, state);
    },
  };
}

/** An asker made on first use: most calls never ask, and need not pay for one. */
export function lazyAsker(make: () => Asker): Asker {
  let asker: Asker | undefined;
  const made = (): Asker => {
    asker ??= make();
    return asker;
  };
  return { can: (kind) => made().can(kind), ask: (requests) => made().ask(requests) };
}

function parseRound(data: unknown): RoundState {
  const round = data as Partial<RoundState> | null;
  if (!round || typeof round !== 'object' || typeof round.a !== 'object' || typeof round.q !== 'object')
    throw protocolError('InvalidParams', 'invalid params: requestState is not one this server issued');
  return { a: round.a ?? {}, q: round.q ?? {} };
}

/** `ask` for one form: the answer, checked (`action` accept, decline or cancel, and its `content`). */
export async function elicitWith(asker: Asker, key: string, form: ElicitForm): Promise<ElicitResult> {
  const answers = await asker.ask({
    [key]: { method: 'elicitation/create', params: { mode: 'form', ...form } },
  });
  return answers[key] as ElicitResult;
}

export function isInputRequired(error: unknown): error is InputRequired {
  return error instanceof InputRequired;
}

/** Whether a thrown value must pass through a tool's error handling untouched. */
export function passesThrough(error: unknown): boolean {
  return error instanceof InputRequired || error instanceof ProtocolError;
}

/**
 * Asks the person to confirm an irreversible step, when the client can ask them: resolves when
 * they confirmed, throws `CANCELLED` (nothing done) when they declined, cancelled or left the box
 * unticked. A client that cannot ask (no elicitation capability, or a transport with no way to)
 * is not asked, and the call goes on as before: the tool's `destructiveHint` already told its
 * host to check with the person. Call it before the step, never after: in MCP 2026-07-28 the
 * handler runs again from the top with the answer.
 */
export async function confirmWithPerson(
  ctx: { canAsk(kind: QuestionKind): boolean; elicit(key: string, form: ElicitForm): Promise<ElicitResult> },
  key: string,
  message: string,
): Promise<void> {
  if (!ctx.canAsk('elicitation')) return;
  const answer = await ctx.elicit(key, {
    message,
    requestedSchema: {
      type: 'object',
      properties: {
        confirm: {
          type: 'boolean',
          title: 'Yes, go ahead',
          description: 'Tick to confirm; this cannot be undone',
        },
      },
      required: ['confirm'],
    },
  });
  if (answer.action === 'accept' && answer.content?.confirm === true) return;
  const why =
    answer.action === 'accept' ? 'did not confirm' : answer.action === 'decline' ? 'declined' : 'cancelled';
  throw new AppError('CANCELLED', `nothing was done: the person ${why} when asked "${message}"`);
}
