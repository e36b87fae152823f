import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { GatewayError, errors } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';

/** Which browser origins may call MCP endpoints besides the request's own host. */
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
    await next();
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
