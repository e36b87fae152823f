import type { IncomingMessage } from 'node:http';
import { GatewayError, errors } from '../../errors/index.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../targets/mcp-router/index.js';

/**
 * Accept, read leniently: what matters is whether the answer we will give can be honoured. A POST carrying
 * requests may need an SSE stream (when anything comes before its answer), so it needs text/event-stream (or a
 * wildcard, or no header); a POST of notifications/responses gets an empty 202 and accepts anything; a GET
 * needs text/event-stream.
 */
export function checkAccept(req: IncomingMessage, answersWithStream: boolean): GatewayError | undefined {
  const accept = (req.headers.accept ?? '').toLowerCase();
  const wildcard = accept === '' || accept.includes('*/*') || accept.includes('text/*');
  if (answersWithStream && !wildcard && !accept.includes('text/event-stream')) {
    return new GatewayError(errors.GW_ERR_MCP_NOT_ACCEPTABLE, ['text/event-stream']);
  }
  return undefined;
}

/** Whether a POST may be answered with plain `application/json` (a client that lists only text/event-stream gets a stream). */
export function acceptsJson(req: IncomingMessage): boolean {
  const accept = (req.headers.accept ?? '').toLowerCase();
  return accept === '' || accept.includes('application/json') || accept.includes('*/*') || accept.includes('application/*');
}

/** JSON bodies only (415 otherwise). */
export function checkContentType(req: IncomingMessage): GatewayError | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' ? undefined : new GatewayError(errors.GW_ERR_MCP_MEDIA_TYPE);
}

/** `MCP-Protocol-Version` on requests after initialize: absent means 2025-03-26; unsupported is a 400. */
export function checkProtocolVersion(req: IncomingMessage): GatewayError | undefined {
  const version = req.headers['mcp-protocol-version'];
  if (version === undefined || (typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version))) return undefined;
  return new GatewayError(errors.GW_ERR_MCP_PROTOCOL_VERSION, [String(version), SUPPORTED_PROTOCOL_VERSIONS.join(', ')]);
}
