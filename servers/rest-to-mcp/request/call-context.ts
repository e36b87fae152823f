import { CLIENT_IP_META_KEY, PASSTHROUGH_AUTH_META_KEY, PASSTHROUGH_QUERY_PREFIX as QUERY_PREFIX } from '../../hosted-server.js';
import { parseClientIp } from '../../shared/client-ip.js';
import type { RenderOptions } from '../template/index.js';

export { PASSTHROUGH_AUTH_META_KEY, QUERY_PREFIX };

/** What one tools/call knows about its caller (Higress reads these off the in-flight request). */
export interface CallContext {
  /** The caller's IP without port, or '' (what getSocketIP/getRealIP return). */
  readonly clientIp: string;
  /** A client header the router passed through, by lower-case name. */
  clientHeader(name: string): string | undefined;
  /** A query parameter of the client's MCP request the router passed through (`query:<name>`), by exact name. */
  clientQuery(name: string): string | undefined;
  /** Render options with the template functions bound to this call, built once per call. */
  readonly renderOptions: RenderOptions;
}

/** Builds the call context from a tools/call request's `_meta`. */
export function callContextFrom(meta: Readonly<Record<string, unknown>> | undefined): CallContext {
  const ipText = meta?.[CLIENT_IP_META_KEY];
  const clientIp = typeof ipText === 'string' ? (parseClientIp(ipText) ?? '') : '';
  const auth = meta?.[PASSTHROUGH_AUTH_META_KEY];
  const headers = new Map<string, string>();
  const query = new Map<string, string>();
  if (typeof auth === 'string') headers.set('authorization', auth);
  else if (auth !== null && typeof auth === 'object') {
    for (const [k, v] of Object.entries(auth)) {
      if (typeof v !== 'string') continue;
      if (k.startsWith(QUERY_PREFIX)) query.set(k.slice(QUERY_PREFIX.length), v);
      else headers.set(k.toLowerCase(), v);
    }
  }
  return {
    clientIp,
    clientHeader: (name) => headers.get(name.toLowerCase()),
    clientQuery: (name) => query.get(name),
    renderOptions: { funcs: templateFuncs(clientIp) },
  };
}

/**
 * Template functions bound to one call. The router has already resolved X-Forwarded-For against its
 * trusted proxies, so getRealIP and getSocketIP both return that verified address.
 */
function templateFuncs(clientIp: string): Record<string, (...args: unknown[]) => unknown> {
  return { getSocketIP: () => clientIp, getRealIP: () => clientIp };
}
