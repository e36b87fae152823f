import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { GatewayError, errors } from '../../errors/index.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../targets/mcp-router/index.js';
import { foreignHost } from '../allowed-hosts.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Origin and Host checks before any JSON-RPC processing (MCP transports §Security; 403 since 2025-11-25).
 * A browser Origin must be allow-listed or the request's own host. On a loopback listener the Host must be a
 * loopback name too: that is what stops DNS rebinding, where the attacker's name resolves to 127.0.0.1.
 */
export function checkOriginAndHost(req: IncomingMessage, allowedOrigins: readonly string[]): GatewayError | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  // The listener's Host check (every listener, not only loopback ones) marks what it refused under /mcp/.
  const foreign = foreignHost(req);
  if (foreign) return new GatewayError(errors.GW_ERR_MCP_ORIGIN_FORBIDDEN, [foreign]);
  if (isLoopback(req.socket.localAddress ?? '') && !LOOPBACK_NAMES.has(hostname(host)) && !hostname(host).endsWith('.localhost')) {
    return new GatewayError(errors.GW_ERR_MCP_ORIGIN_FORBIDDEN, [`Host ${host || '(none)'} is not allowed on a loopback listener`]);
  }
  const origin = req.headers.origin;
  if (origin === undefined || allowedOrigins.includes(origin)) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return new GatewayError(errors.GW_ERR_MCP_ORIGIN_FORBIDDEN, [`Origin ${origin} is not allowed`]);
  }
  return originHost === host ? undefined : new GatewayError(errors.GW_ERR_MCP_ORIGIN_FORBIDDEN, [`Origin ${origin} is not allowed`]);
}

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

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (isIP(a) === 4 && a.startsWith('127.')) || a === '::1';
}
