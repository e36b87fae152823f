import { isJSONRPCRequest as hasMethod, isJSONRPCResponse as hasOutcome } from 'json-rpc-2.0';
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse, McpError, RequestId } from '@modelcontextprotocol/sdk/types.js';

// Which kind a message is, by its members alone. The SDK's own guards (`isJSONRPCRequest`, …) run a zod parse of
// the whole message, params included, on every call; a relayed tools/call met a dozen of them. Messages reach these
// checks already parsed as JSON-RPC: the downstream transports validated the client's (downstream/parse-message.ts),
// the backends theirs.

/**
 * Whether a parsed JSON value is one JSON-RPC 2.0 message as MCP allows it: a request (a string method and a string
 * or integer id), a notification (a method, no id) or a response (an id and either a result object or an error with
 * an integer code and a string message); params, when present, an object. Only the envelope: params and results are
 * each method's to check.
 */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if ('id' in value && !isId(value.id)) return false;
  if ('method' in value) return typeof value.method === 'string' && !('result' in value) && !('error' in value) && (!('params' in value) || isObject(value.params));
  if (!('id' in value) || 'result' in value === 'error' in value) return false;
  if ('result' in value) return isObject(value.result);
  const error = value.error;
  return isObject(error) && Number.isSafeInteger(error.code) && typeof error.message === 'string';
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or an integer: the ids MCP allows (no null, no fractions). */
export function isId(id: unknown): id is RequestId {
  return typeof id === 'string' || Number.isSafeInteger(id);
}

/** A request: a method and an id. */
export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return hasMethod(message as never) && 'id' in message;
}

/** A notification: a method and no id. */
export function isNotification(message: JSONRPCMessage): message is JSONRPCNotification {
  return hasMethod(message as never) && !('id' in message);
}

/** A response: an id and a result or an error. */
export function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return hasOutcome(message as never);
}

/** The error response to request `id` for a thrown error, as the SDK's server would build it. */
export function errorResponse(id: RequestId, err: unknown): JSONRPCResponse {
  const { code, message, data } = err as Partial<McpError>;
  return {
    jsonrpc: '2.0',
    id,
    error: { code: Number.isSafeInteger(code) ? code! : -32603, message: message || 'Internal error', ...(data !== undefined && { data }) },
  };
}
