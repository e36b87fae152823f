import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCID } from 'json-rpc-2.0';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { readBody } from '../../../pipeline/read-body.js';
import { isId, isJsonRpcMessage, isObject } from '../json-rpc.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A POST body as JSON-RPC: the messages, or the error to answer with and the id to echo. */
export type ParsedMessages =
  | { ok: true; messages: JSONRPCMessage[]; batch: boolean; body: unknown }
  | { ok: false; error: GatewayError; id: JSONRPCID };

/** Reads a request body as UTF-8 text up to `limit` bytes; refuses larger ones (declared or observed) before buffering them. */
export async function readBodyText(exchange: { req: IncomingMessage; res: ServerResponse }, limit: number): Promise<{ ok: true; text: string } | { ok: false; error: GatewayError }> {
  const read = await readBody(exchange.req, exchange.res, limit);
  if (!read.ok) {
    const error = read.reason === 'too-large' ? new GatewayError(errors.GW_ERR_MCP_BODY_TOO_LARGE, [limit]) : new GatewayError(errors.GW_ERR_BAD_REQUEST, ['request body could not be read']);
    return { ok: false, error };
  }
  // fatal: invalid UTF-8 is a parse error, never silently replaced and echoed (bad-input case 25).
  try {
    return { ok: true, text: UTF8.decode(read.body) };
  } catch {
    return { ok: false, error: new GatewayError(errors.GW_ERR_MCP_PARSE, ['body is not valid UTF-8']) };
  }
}

/** Parses and checks a body as one JSON-RPC message or a batch (JSON-RPC 2.0 §4–6, MCP message rules). */
export function parseMessages(text: string): ParsedMessages {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: new GatewayError(errors.GW_ERR_MCP_PARSE, ['invalid JSON']), id: null };
  }
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? (body as unknown[]) : [body];
  if (items.length === 0) return invalid('empty batch', null);
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    const checked = checkMessage(item);
    if (!checked.ok) return checked;
    messages.push(checked.message);
  }
  return { ok: true, messages, batch, body };
}

function checkMessage(m: unknown): { ok: true; message: JSONRPCMessage } | { ok: false; error: GatewayError; id: JSONRPCID } {
  if (!isObject(m)) return invalid('a message must be a JSON object', null);
  // Echo the id only when it is one a client could match (string or integer); MCP forbids null ids.
  const id = isId(m.id) ? (m.id as JSONRPCID) : null;
  if (m.jsonrpc !== '2.0') return invalid('"jsonrpc" must be "2.0"', id);
  if ('method' in m && typeof m.method !== 'string') return invalid('"method" must be a string', id);
  if ('id' in m && !isId(m.id)) return invalid('"id" must be a string or an integer', null);
  if ('params' in m && !isObject(m.params)) {
    return invalid('"params" must be an object', id);
  }
  if (!isJsonRpcMessage(m)) return invalid('not a JSON-RPC request, notification or response', id);
  return { ok: true, message: m };
}

function invalid(reason: string, id: JSONRPCID): { ok: false; error: GatewayError; id: JSONRPCID } {
  return { ok: false, error: new GatewayError(errors.GW_ERR_MCP_INVALID_REQUEST, [reason]), id };
}

/** The id of the single request in `messages`, or null (for error bodies). */
export function requestId(messages: readonly JSONRPCMessage[]): JSONRPCID {
  const first = messages[0] as { id?: unknown; method?: unknown } | undefined;
  return messages.length === 1 && first && typeof first.method === 'string' && isId(first.id) ? (first.id as JSONRPCID) : null;
}
