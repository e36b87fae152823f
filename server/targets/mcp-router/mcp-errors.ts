import { McpError, type JSONRPCErrorResponse } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { GatewayError, errors, type ErrorCode } from '../../errors/index.js';

/** JSON-RPC 2.0 / MCP error codes the router answers with. */
export const JsonRpcCode = Object.freeze({
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Implementation-defined range: transport-level refusals (the SDK's choice too). */
  ServerError: -32000,
  /** What the SDK uses for an unknown session. */
  SessionNotFound: -32001,
  /** 2026-07-28: the HTTP headers disagree with the body, or a required one is missing or malformed. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability the client did not declare (on HTTP, status 400). */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: the request's protocol version is not one the server speaks (`data.supported` lists them). */
  UnsupportedProtocolVersion: -32022,
});

/**
 * A JSON-RPC error for a protocol or policy failure, carrying the catalogue code (and any hints such as the
 * retry delay) in `data`, so clients and models can act on it. The SDK answers it with the request's own id.
 */
export function protocolError(jsonRpcCode: number, code: ErrorCode, args: unknown[] = []): McpError {
  const message = new GatewayError(errors[code], args).message;
  return wireError(jsonRpcCode, message, { code });
}

/** How a refusal is worded on the wire beyond its catalogue code. */
export interface RefusalWording {
  /** More fields for `data` (the server that refused, the retry delay). */
  readonly data?: Record<string, unknown>;
  /** The message, when not the error's own. */
  readonly message?: string;
}

/** A catalogue error thrown by a filter (a policy refusal), as a JSON-RPC error: its code and `wording.data` in `data`. */
export function refusalOf(jsonRpcCode: number, err: GatewayError, wording: RefusalWording = {}): McpError {
  return wireError(jsonRpcCode, wording.message ?? err.message, { code: err.code, ...wording.data });
}

/**
 * "Invalid params" (-32602) naming the first problem zod found in a request, e.g.
 * `tools/call: params.name: Invalid input: expected string, received undefined` (the SDK's own handlers answer -32603).
 */
export function invalidParams(method: string, error: z.ZodError): McpError {
  const issue = error.issues[0];
  const where = issue ? `${method}: ${issue.path.join('.') || '(request)'}: ${issue.message}` : method;
  return protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', [where]);
}

/** The error of an upstream's error response, to answer the client with as it is. */
export function upstreamError(error: JSONRPCErrorResponse['error']): McpError {
  return wireError(error.code, error.message, error.data);
}

/** An upstream's JSON-RPC error as the upstream sent it (the SDK client prefixed its message on receipt). */
export function asSentUpstream(err: unknown): unknown {
  if (!(err instanceof McpError)) return err;
  return wireError(err.code, err.message.replace(/^MCP error -?\d+: /, ''), err.data);
}

/**
 * An McpError whose message is exactly what goes on the wire. McpError's constructor prefixes
 * "MCP error <code>: ", which the SDK server sends as is and every SDK client prefixes again on receipt.
 */
function wireError(code: number, message: string, data?: unknown): McpError {
  const error = new McpError(code, message, data);
  error.message = message;
  return error;
}
