import { AppError, describeError, type ErrorLogger } from './errors.ts';

/** JSON-RPC and MCP error codes used here. */
export const RPC_ERROR = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP 2025-11-25 and earlier: resources/read of a URI the server does not have (-32602 since). */
  ResourceNotFound: -32002,
  /** MCP 2026-07-28: the HTTP headers disagree with the body, or a required one is missing. */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28: the request needs a client capability its `_meta` did not declare. */
  MissingRequiredClientCapability: -32021,
  /** MCP 2026-07-28: `data: { supported, requested }`. */
  UnsupportedProtocolVersion: -32022,
} as const;

export type RpcErrorKind = keyof typeof RPC_ERROR;

/**
 * A failure reported as a JSON-RPC error (not a tool result): unknown method or tool, invalid
 * params, unknown resource. The SDK's Protocol sends `code`, `message` and `data` as they are, and
 * so does the HTTP fast path, so both transports give the same error.
 */
export class ProtocolError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.data = data;
  }
}

export function protocolError(kind: RpcErrorKind, message: string, data?: unknown): ProtocolError {
  return new ProtocolError(RPC_ERROR[kind], message, data);
}

/** How much of a name the client sent is repeated in an error message. */
const SHOWN_CHARS = 200;

/**
 * `text` as an error message repeats it: whole up to 200 characters, else its start and its
 * length, so a 4 MB method name or tool name is not sent back (or logged) whole.
 */
export function clip(text: string): string {
  if (text.length <= SHOWN_CHARS) return text;
  return `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)`;
}

/** -32601 for a method nobody serves, naming it (clipped). */
export function methodNotFound(method: string): ProtocolError {
  return protocolError('MethodNotFound', `method not found: ${clip(method)}`);
}

/**
 * A thrown value from a resource or prompt handler as a JSON-RPC error: `INVALID_INPUT` as invalid
 * params, `NOT_FOUND` as `notFound`, other known errors keep `CODE: message`, anything else is
 * internal, logged under a reference and never shown.
 */
export function toProtocolError(
  error: unknown,
  options: { logger?: ErrorLogger; notFound?: RpcErrorKind } = {},
): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const { code, text } = describeError(error, options.logger ? { logger: options.logger } : {});
  if (!(error instanceof AppError)) return protocolError('InternalError', text);
  if (code === 'INVALID_INPUT') return protocolError('InvalidParams', text);
  if (code === 'NOT_FOUND') return protocolError(options.notFound ?? 'InvalidParams', text);
  return protocolError('InternalError', text, { code });
}

/**
 * A JSON-RPC error response. When the request's id cannot be read, the id is left out: MCP's
 * schema (and the SDK's) allows an error without an id but not `id: null`.
 */
export function errorMessage(id: string | number | null, error: ProtocolError) {
  return {
    jsonrpc: '2.0' as const,
    ...(id !== null && { id }),
    error: {
      code: error.code,
      message: error.message,
      ...(error.data !== undefined && { data: error.data }),
    },
  };
}

export function errorResponse(id: string | number | null, error: ProtocolError): string {
  return JSON.stringify(errorMessage(id, error));
}
