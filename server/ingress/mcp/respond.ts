import type { ServerResponse } from 'node:http';
import { createJSONRPCErrorResponse, type JSONRPCID } from 'json-rpc-2.0';
import { writeJsonError, type GatewayError } from '../../errors/index.js';
import { JsonRpcCode } from '../../targets/mcp-router/mcp-errors.js';

// Transport-level refusals carry the JSON-RPC code clients (and the SDK) expect for each HTTP failure.
const CODES: Readonly<Record<string, number>> = {
  GW_ERR_MCP_PARSE: JsonRpcCode.ParseError,
  GW_ERR_MCP_INVALID_REQUEST: JsonRpcCode.InvalidRequest,
  GW_ERR_MCP_BATCH_TOO_LARGE: JsonRpcCode.InvalidRequest,
  GW_ERR_MCP_SESSION_NOT_FOUND: JsonRpcCode.SessionNotFound,
};

/**
 * Renders a gateway error on an MCP endpoint: the catalogue status with a JSON-RPC error body (`id` as given,
 * null when the request could not be identified) and the catalogue code in `data`. A stream that already
 * started is cut instead, so a truncated stream never looks complete.
 */
export function renderMcpError(res: ServerResponse, err: GatewayError, requestId: string, id: JSONRPCID = null): void {
  const code = CODES[err.code] ?? JsonRpcCode.ServerError;
  writeJsonError(res, err, err.status, createJSONRPCErrorResponse(id, code, err.message, { code: err.code, requestId }), requestId);
}
