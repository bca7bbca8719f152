// The questions a task's handler asks (`ctx.ask`, `ctx.elicit`) while it runs in the background:
// unlike a request's input_required round, the handler waits in the process, and the client
// answers through `tasks/update`. Several asks may be pending at once (a handler that asks in
// parallel); the task is input_required until every one is answered, and each key is answered
// on its own (partial answers are kept, the rest stay listed).
import { type Asker, checkAnswer, type InputRequest, kindsOf, missingCapability } from '../input.ts';

interface Waiting {
  /** wire key → the handler's key */
  keys: Map<string, string>;
  answers: Record<string, unknown>;
  resolve(answers: Record<string, unknown>): void;
  reject(error: unknown): void;
}

export interface TaskQuestions {
  readonly asker: Asker;
  /** The unanswered questions by wire key (empty: none). */
  pending(): Record<string, InputRequest>;
  /**
   * Answers from `tasks/update`: each checked against its question (-32602 for a malformed one,
   * before any is applied); keys not pending (never asked, already answered) are ignored.
   */
  answer(responses: Record<string, unknown>): Promise<void>;
  /** Rejects every pending ask (the task was cancelled or expired). */
  abort(reason: unknown): void;
}

/**
 * `changed` is told after every ask and answer, with what is still pending: the engine moves the
 * task to input_required (and lists them) or back to working.
 */
export function taskQuestions(
  clientCapabilities: Record<string, unknown>,
  changed: (pending: Record<string, InputRequest>) => Promise<void>,
): TaskQuestions {
  const questions = new Map<string, { request: InputRequest; waiting: Waiting }>();
  // a key is never reused within a task (the extension requires unique keys over its lifetime)
  const used = new Set<string>();
  const pending = () => Object.fromEntries([...questions].map(([key, { request }]) => [key, request]));

  return {
    asker: {
      can: (kind) => kind in clientCapabilities,
      async ask(requests) {
        const missing = kindsOf(requests).filter((kind) => !(kind in clientCapabilities));
        if (missing.length) throw missingCapability(missing);
        const answered = new Promise<Record<string, unknown>>((resolve, reject) => {
          const waiting: Waiting = { keys: new Map(), answers: {}, resolve, reject };
          for (const [key, request] of Object.entries(requests)) {
            let wire = key;
            for (let n = 2; used.has(wire); n++) wire = `${key}.${n}`;
            used.add(wire);
            waiting.keys.set(wire, key);
            questions.set(wire, { request, waiting });
          }
          if (waiting.keys.size === 0) resolve({});
        });
        await changed(pending());
        return answered;
      },
    },
    pending,
    async answer(responses) {
      const accepted: Array<[string, unknown]> = [];
      for (const [key, given] of Object.entries(responses)) {
        const question = questions.get(key);
        if (question) accepted.push([key, checkAnswer(`inputResponses["${key}"]`, question.request, given)]);
      }
      for (const [key, answer] of accepted) {
        const { waiting } = questions.get(key) as { waiting: Waiting };
        questions.delete(key);
        waiting.answers[waiting.keys.get(key) as string] = answer;
        waiting.keys.delete(key);
        if (waiting.keys.size === 0) waiting.resolve(waiting.answers);
      }
      if (accepted.length) await changed(pending());
    },
    abort(reason) {
      const waits = new Set([...questions.values()].map(({ waiting }) => waiting));
      questions.clear();
      for (const waiting of waits) waiting.reject(reason);
    },
  };
}
