import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { GatewayError, errors } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
import { respond } from './respond.js';

/** Which browser origins may call MCP endpoints besides the request's own host (`agate serve --mcp-allow-origin`). */
export interface McpOriginConfig {
  readonly allowedOrigins: readonly string[];
}

/** The listener's Host policy (every listener, not only loopback ones): why a request's Host is not served, if it is not. */
export interface McpOriginDeps {
  readonly hosts: { refusal(req: IncomingMessage): string | undefined };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Origin and Host checks before any JSON-RPC processing (MCP transports §Security; 403 GW_ERR_MCP_ORIGIN_FORBIDDEN
 * since 2025-11-25). Runs inside the chain, after observability, so a refused browser or rebinding attempt is
 * logged and counted like every other refusal.
 */
export function mcpOrigin(config: McpOriginConfig, deps: McpOriginDeps): Filter {
  const allowedOrigins = config.allowedOrigins;
  const hosts = deps.hosts;
  return async function checkMcpOrigin(ctx, next) {
    const req = ctx.http!.req;
    const foreign = hosts.refusal(req);
    const refusal = foreign === undefined ? checkOriginAndHost(req, allowedOrigins) : new GatewayError(errors.GW_ERR_MCP_ORIGIN_FORBIDDEN, [foreign]);
    if (refusal) throw refusal;
    const origin = req.headers.origin;
    if (origin === undefined || !allowedOrigins.includes(origin)) return next();
    // An allow-listed browser origin: CORS (Fetch standard §3.2), so that a page there can call at all. Set on the
    // response itself because MCP answers are written by the transports and by the error renderer alike, and
    // writeHead keeps headers set before it.
    const res = ctx.http!.res;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      respond(ctx, { status: 204, headers: preflightHeaders(req.headers['access-control-request-headers']) });
      return;
    }
    res.setHeader('access-control-expose-headers', EXPOSED);
    await next();
  };
}

/** What a browser client must read: its session, the negotiated version, and where to authorize (RFC 9728 §5.1). */
const EXPOSED = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, X-Request-Id';

/**
 * A preflight's answer, before any credential is checked (browsers send none with it). Request headers are echoed:
 * MCP clients send `Authorization`, `Mcp-*` and `Mcp-Param-*` headers whose names agate cannot list in advance,
 * and the echo grants nothing, since every real request is still authenticated. No cookies: tokens travel in headers.
 */
function preflightHeaders(requested: string | undefined): Record<string, string> {
  return {
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers': requested ?? '',
    'access-control-max-age': '600',
  };
}

/**
 * A browser Origin must be allow-listed or the request's own host. On a loopback listener the Host must be a
 * loopback name too: that is what stops DNS rebinding, where the attacker's name resolves to 127.0.0.1.
 */
function checkOriginAndHost(req: IncomingMessage, allowedOrigins: readonly string[]): GatewayError | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
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

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (isIP(a) === 4 && a.startsWith('127.')) || a === '::1';
}
