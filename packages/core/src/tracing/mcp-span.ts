// One SERVER span per MCP request, in both eras and on every transport (dispatch.ts calls it from
// `ServerTables.handle`). Names and attributes follow OpenTelemetry's MCP semantic conventions
// (semantic-conventions-genai, docs/gen-ai/mcp.md): `{mcp.method.name} {target}`.
import type { Attributes } from '@opentelemetry/api';
import { ERROR_META_KEY } from '../errors.ts';
import { ProtocolError } from '../protocol-error.ts';
import { parentContext, type TraceCarrier } from './propagation.ts';
import { inSpan, markError, SpanKind } from './spans.ts';

/** What a transport tells the request span beyond the message: where it came from. */
export interface RequestTrace {
  /** `pipe` for stdio, `tcp` for HTTP (`network.transport`). */
  transport: 'pipe' | 'tcp';
  /** The HTTP request's trace headers, used when `_meta` has no valid `traceparent`. */
  headers?: TraceCarrier | undefined;
  /** A legacy request's protocol version (the `MCP-Protocol-Version` header), when known. */
  protocolVersion?: string | undefined;
}

export interface TracedRequest {
  requestId: string | number;
  sessionId?: string | undefined;
  /** A modern request's `_meta` protocol version. */
  modernVersion?: string | undefined;
  trace?: RequestTrace | undefined;
}

/** URIs can be long or carry a query: the span keeps scheme, host and path, bounded. */
const MAX_URI = 256;

/**
 * Runs one request inside its server span. The tool's or prompt's name names the span (that span
 * is the tool call's span: no second one); never an argument's value. A JSON-RPC error, and a tool
 * result with `isError`, end it with error status and `error.type`.
 */
export function traceMcpRequest<T>(
  method: string,
  params: Record<string, unknown> | undefined,
  request: TracedRequest,
  run: () => Promise<T>,
): Promise<T> {
  const attributes: Attributes = {
    'mcp.method.name': method,
    'jsonrpc.request.id': String(request.requestId),
  };
  const protocolVersion = request.modernVersion ?? request.trace?.protocolVersion;
  if (protocolVersion) attributes['mcp.protocol.version'] = protocolVersion;
  if (request.sessionId) attributes['mcp.session.id'] = request.sessionId;
  if (request.trace) {
    attributes['network.transport'] = request.trace.transport;
    if (request.trace.transport === 'tcp') attributes['network.protocol.name'] = 'http';
  }
  const name = typeof params?.name === 'string' ? params.name : undefined;
  let target: string | undefined;
  if (method === 'tools/call' && name) {
    target = name;
    attributes['gen_ai.tool.name'] = name;
    attributes['gen_ai.operation.name'] = 'execute_tool';
  } else if (method === 'prompts/get' && name) {
    target = name;
    attributes['gen_ai.prompt.name'] = name;
  } else if (typeof params?.uri === 'string') {
    attributes['mcp.resource.uri'] = safeUri(params.uri);
  }
  const start = {
    name: target ? `${method} ${target}` : method,
    kind: SpanKind.SERVER,
    attributes,
    parent: parentContext(params?._meta, request.trace?.headers),
  };
  return inSpan(start, async (span) => {
    try {
      const result = await run();
      const failed = toolError(result);
      if (failed) {
        markError(span, 'tool_error');
        if (failed !== true) span.setAttribute('mcp_stack.error.code', failed);
      }
      return result;
    } catch (error) {
      if (error instanceof ProtocolError) span.setAttribute('rpc.response.status_code', String(error.code));
      throw error;
    }
  });
}

/** A tool result with `isError`: its code (errors.ts puts it in `_meta`), else true. */
function toolError(result: unknown): string | boolean {
  if (!result || typeof result !== 'object' || (result as { isError?: unknown }).isError !== true)
    return false;
  const data = (result as { _meta?: Record<string, { code?: unknown }> })._meta?.[ERROR_META_KEY];
  return typeof data?.code === 'string' ? data.code : true;
}

function safeUri(uri: string): string {
  const cut = uri.search(/[?#]/);
  return (cut === -1 ? uri : uri.slice(0, cut)).slice(0, MAX_URI);
}
