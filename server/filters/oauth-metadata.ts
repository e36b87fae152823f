import { gatewayError } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
import type { OAuthResource } from '../auth/oauth/index.js';
import { respond } from './respond.js';

/** The well-known prefix of Protected Resource Metadata (RFC 9728 §3). */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

const MCP_SUFFIX = /^\/mcp\/([a-z0-9][a-z0-9._-]{0,62})\/?$/;
// Public documents that browser-based MCP clients fetch from another origin (the SDK sends MCP-Protocol-Version).
const CORS = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-allow-headers': 'mcp-protocol-version' });

/**
 * Serves the Protected Resource Metadata of every OAuth-protected MCP server at
 * `/.well-known/oauth-protected-resource/mcp/<name>` (the path-suffixed form, RFC 9728 §3.1), and at the bare
 * well-known path when exactly one is served (the form MCP clients try second). Only agate's own document: the
 * authorization server's metadata is the client's to fetch from the issuer. Absent when no server uses OAuth.
 */
export function oauthMetadata(resources: ReadonlyMap<string, OAuthResource>): Filter | undefined {
  if (resources.size === 0) return undefined;
  const only = resources.size === 1 ? [...resources.values()][0] : undefined;
  return async function serveResourceMetadata(ctx, next) {
    const path = ctx.request.path;
    if (!path.startsWith(RESOURCE_METADATA_PATH)) return next();
    const rest = path.slice(RESOURCE_METADATA_PATH.length);
    const name = MCP_SUFFIX.exec(rest)?.[1];
    const resource = rest === '' || rest === '/' ? only : name !== undefined ? resources.get(name) : undefined;
    if (!resource) throw gatewayError('GW_ERR_MCP_SERVER_NOT_FOUND', name ?? path);
    const method = ctx.request.method;
    if (method === 'OPTIONS') return respond(ctx, { status: 204, headers: CORS });
    if (method !== 'GET' && method !== 'HEAD') throw gatewayError('GW_ERR_MCP_METHOD_NOT_ALLOWED', method);
    const body = JSON.stringify(resource.metadata(ctx.request));
    respond(ctx, { status: 200, headers: { ...CORS, 'content-type': 'application/json', 'cache-control': 'max-age=60' }, body });
  };
}
