// The context a task tool's handler sees: the request's until the task starts, the task's after.
import type { HandlerContext } from '../server.ts';

/**
 * The handler's context, which follows the task once it starts: before, the request's (its
 * signal, its input_required questions); after, the task's. Read `ctx.signal` after `startTask`.
 */
export function switchable(
  current: () => HandlerContext,
  request: HandlerContext,
  startTask: () => Promise<boolean>,
): HandlerContext {
  return {
    get logger() {
      return current().logger;
    },
    get signal() {
      return current().signal;
    },
    get requestId() {
      return current().requestId;
    },
    ...(request.caller !== undefined && { caller: request.caller }),
    ...(request.sessionId !== undefined && { sessionId: request.sessionId }),
    progress: (progress, total, message) => current().progress(progress, total, message),
    log: (level, data) => current().log(level, data),
    canAsk: (kind) => current().canAsk(kind),
    ask: (requests) => current().ask(requests),
    elicit: (key, form) => current().elicit(key, form),
    startTask,
  };
}
