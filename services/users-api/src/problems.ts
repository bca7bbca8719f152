import type { ServerResponse } from 'node:http';
import { type AppError, describeIssues, isAppError, newErrorRef, type SchemaIssue } from '@mcp-stack/core';

/** An HTTP-level refusal: its status, code and message are what the client gets. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { field?: string | undefined; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiProblem';
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
}

/** Schema issues as one INVALID_INPUT problem naming every field; `field` is the first. */
export function invalid(status: 400 | 422, issues: ReadonlyArray<SchemaIssue>, where: string): ApiProblem {
  // an issue about the whole body or query is named after it: `body: nothing to change...`
  const named = issues.map((issue) =>
    issue.path.length || issue.code === 'unrecognized_keys' ? issue : { ...issue, path: [where] },
  );
  const { text, fields } = describeIssues(named);
  return new ApiProblem(status, 'INVALID_INPUT', text || `invalid ${where}`, { field: fields[0] });
}

const STATUS_OF: Partial<Record<AppError['code'], number>> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/**
 * Any thrown value as the problem the client sees: ApiProblems and AppErrors as they are, a busy
 * database as 503, anything else as 500 INTERNAL with a reference (the stack is logged under it).
 */
export function toProblem(error: unknown, logError: (ref: string, error: unknown) => void): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (isAppError(error)) {
    const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
    return new ApiProblem(STATUS_OF[error.code] ?? 500, error.code, error.message, { field });
  }
  if ((error as { code?: unknown } | null)?.code === 'SQLITE_BUSY') {
    return new ApiProblem(503, 'UNAVAILABLE', 'the database is busy: retry shortly', {
      headers: { 'retry-after': '1' },
    });
  }
  const ref = newErrorRef();
  logError(ref, error);
  return new ApiProblem(500, 'INTERNAL', `internal error (ref: ${ref})`);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendProblem(res: ServerResponse, problem: ApiProblem): void {
  const { code, message, field } = problem;
  // field before message: a client that keeps only the start of a long body still sees it
  sendJson(
    res,
    problem.status,
    { error: { code, ...(field !== undefined && { field }), message } },
    problem.headers,
  );
}
