import type { ServerResponse } from 'node:http';
import { createJSONRPCErrorResponse, type JSONRPCID } from 'json-rpc-2.0';
import { GatewayError, errors, writeJsonError, type ErrorCode } from '../../errors/index.js';
import { JsonRpcCode } from '../../targets/mcp-router/mcp-errors.js';

// Transport-level refusals carry the JSON-RPC code clients (and the SDK) expect for each HTTP failure.
const CODES: Readonly<Record<string, number>> = {
  GW_ERR_MCP_PARSE: JsonRpcCode.ParseError,
  GW_ERR_MCP_INVALID_REQUEST: JsonRpcCode.InvalidRequest,
  GW_ERR_MCP_BATCH_TOO_LARGE: JsonRpcCode.InvalidRequest,
  GW_ERR_MCP_SESSION_NOT_FOUND: JsonRpcCode.SessionNotFound,
  // 2026-07-28: the codes its spec assigns (basic/index.mdx §Error codes, transports §Server Validation).
  GW_ERR_MCP_HEADER_MISMATCH: JsonRpcCode.HeaderMismatch,
  GW_ERR_MCP_UNSUPPORTED_VERSION: JsonRpcCode.UnsupportedProtocolVersion,
  GW_ERR_MCP_INVALID_META: JsonRpcCode.InvalidParams,
  GW_ERR_MCP_METHOD_NOT_FOUND: JsonRpcCode.MethodNotFound,
  // A requestState that cannot continue an exchange is a bad param of the retry (mrtr.mdx §Error Handling).
  GW_ERR_MCP_REQUEST_STATE_INVALID: JsonRpcCode.InvalidParams,
  GW_ERR_MCP_REQUEST_STATE_EXPIRED: JsonRpcCode.InvalidParams,
  GW_ERR_MCP_REQUEST_STATE_REPLAYED: JsonRpcCode.InvalidParams,
  GW_ERR_MCP_EXCHANGE_NOT_HERE: JsonRpcCode.InvalidParams,
  GW_ERR_MCP_INVALID_PARAMS: JsonRpcCode.InvalidParams,
};

/**
 * Renders a gateway error on an MCP endpoint: the catalogue status with a JSON-RPC error body (`id` as given,
 * null when the request could not be identified) and the catalogue code in `data`. A stream that already
 * started is cut instead, so a truncated stream never looks complete.
 */
export function renderMcpError(res: ServerResponse, given: GatewayError, reply: { requestId: string; id?: JSONRPCID }): void {
  const { requestId, id = null } = reply;
  const err = given.status === 401 ? withChallenge(given) : given;
  const code = CODES[err.code] ?? JsonRpcCode.ServerError;
  const body = createJSONRPCErrorResponse(id, code, err.message, { ...err.data, code: err.code, requestId });
  writeJsonError(res, err, { status: err.status, body, requestId });
}

const HOW = 'send an agate consumer key as Authorization: Bearer <key> or x-api-key: <key>';

/**
 * The 401 challenge of an MCP endpoint without `auth: oauth` (RFC 6750 §3): agate's scheme and what to send, with
 * no `resource_metadata`, since no authorization server issues its keys. MCP clients read this header to decide whether to start OAuth
 * discovery; the error code is there only when a credential was sent and refused.
 */
function withChallenge(err: GatewayError): GatewayError {
  // An OAuth-protected server's own challenge (RFC 9728 §5.1) is the one its clients start discovery from.
  if (String(err.headers?.['www-authenticate'] ?? '').includes('resource_metadata=')) return err;
  const refused = err.code === 'GW_ERR_AUTH_INVALID' ? 'error="invalid_token", ' : '';
  const challenge = `Bearer realm="agate", ${refused}error_description="${HOW}"`;
  const def = errors[err.code as ErrorCode];
  if (def === undefined) return err;
  return Object.assign(new GatewayError(def, [], { cause: err.cause, headers: { ...err.headers, 'www-authenticate': challenge } }), { message: err.message });
}
