// A CLIENT span per database call (customer-db's repositories, or any server's own): the
// OpenTelemetry database conventions' names, never a parameter's value or the query text.
import { inSpan, SpanKind, tracingActive } from './spans.ts';

export interface DbCall {
  /** `db.system.name`: `sqlite`, `postgresql`, … */
  system: string;
  /** `db.operation.name`: `SELECT`, `INSERT`, `UPDATE`, … */
  operation: string;
  /** `db.collection.name`: the table. */
  collection?: string | undefined;
  /** `code.function.name`: the repository method (`customers.search`). */
  function?: string | undefined;
}

/** Runs `fn` in a database span while tracing is on; otherwise just runs it. */
export function traceDbCall<T>(call: DbCall, fn: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return fn();
  return inSpan(
    {
      name: call.collection ? `${call.operation} ${call.collection}` : call.operation,
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': call.system,
        'db.operation.name': call.operation,
        ...(call.collection && { 'db.collection.name': call.collection }),
        ...(call.function && { 'code.function.name': call.function }),
      },
    },
    fn,
  );
}
