import { GatewayError, errors, gatewayError } from '../errors/index.js';
import type { Filter, GatewayContext } from '../pipeline/index.js';
import type { OAuthResource } from '../auth/oauth/index.js';

/**
 * The OAuth credential kind of the `auth` filter, for a resource that is an OAuth 2.1 resource server (an MCP
 * server with `auth: oauth`): only `Authorization: Bearer <access token>` counts (RFC 6750 §2.1; MCP
 * authorization forbids tokens in the query), checked for this resource alone. Refusals carry the challenge MCP
 * clients start discovery from (RFC 9728 §5.1). The token stays at the gateway: passthrough never forwards a
 * Bearer header the auth filter consumed (targets/mcp-router/passthrough.ts).
 */
export async function authenticateBearer(ctx: GatewayContext, resource: OAuthResource): Promise<void> {
  const origin = ctx.request;
  const required = resource.config.scopes;
  const metadata = `resource_metadata="${resource.metadataUrl(origin)}"`;
  const scope = required.length ? `, scope="${required.join(' ')}"` : '';
  const token = bearerToken(ctx.request.headers.authorization);
  if (!token) throw new GatewayError(errors.GW_ERR_AUTH_MISSING, [], { headers: { 'www-authenticate': `Bearer ${metadata}${scope}` } });
  const verdict = await resource.verify(token, origin);
  if (!verdict.ok) {
    if (verdict.unavailable) throw gatewayError('GW_ERR_AUTH_SERVER_UNAVAILABLE', resource.config.issuer, verdict.reason);
    const challenge = `Bearer ${metadata}${scope}, error="invalid_token", error_description="${quotable(verdict.reason)}"`;
    throw new GatewayError(errors.GW_ERR_AUTH_INVALID, [], { headers: { 'www-authenticate': challenge }, cause: verdict.reason });
  }
  const missing = resource.missingScopes(verdict.consumer);
  if (missing.length) {
    // RFC 6750 §3.1: `scope` names every scope the resource needs, so the client asks for all of them at once.
    const challenge = `Bearer error="insufficient_scope", scope="${required.join(' ')}", ${metadata}`;
    throw new GatewayError(errors.GW_ERR_AUTH_INSUFFICIENT_SCOPE, [missing.join(' '), `MCP server ${resource.config.server}`], { headers: { 'www-authenticate': challenge } });
  }
  ctx.consumer = verdict.consumer;
}

/** The token of an `Authorization: Bearer` header (scheme case-insensitive, RFC 9110 §11.1); undefined otherwise. */
function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m?.[1];
}

/** `text` with what an RFC 6750 quoted string may not hold (quote, backslash, controls, non-ASCII) dropped. */
function quotable(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '').slice(0, 200);
}

/**
 * A step of an OAuth-protected server's per-message chains: whatever endpoint a message came through (a bundle
 * holding this server), only holders of its issuer's tokens with its scopes get in (design.md §9). A bundle's
 * own `auth` decides which tokens it takes at its endpoint; this decides what they reach behind it.
 */
export function oauthHolderGate(resource: OAuthResource): Filter {
  const { issuer, server } = resource.config;
  return async function requireTokenHolder(ctx, next) {
    const consumer = ctx.consumer;
    if (!consumer) throw gatewayError('GW_ERR_AUTH_MISSING');
    if (consumer.oauth?.issuer !== issuer) throw gatewayError('GW_ERR_AUTH_FORBIDDEN', consumer.name, `MCP server ${server} (it takes tokens from ${issuer})`);
    const missing = resource.missingScopes(consumer);
    if (missing.length) throw gatewayError('GW_ERR_AUTH_INSUFFICIENT_SCOPE', missing.join(' '), `MCP server ${server}`);
    await next();
  };
}
