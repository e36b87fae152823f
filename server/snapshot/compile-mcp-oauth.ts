import type { McpServerSpec, Registry } from '../../registry/index.js';
import { Introspector, OAuthResource, type KeySets } from '../auth/oauth/index.js';
import { resolveSecretRefs } from './compile-mcp-backends.js';

/** What an MCP server's `auth` is compiled with. */
export interface OAuthCompile {
  readonly registry: Registry;
  /** The gateway's JWKS cache (it outlives snapshots). */
  readonly keySets: KeySets;
  readonly problems: string[];
}

/**
 * The OAuth resource server of `spec` (undefined without `auth`, or when its introspection secret cannot be read:
 * then a problem names the field and the server is held back, never served open).
 */
export function compileOAuth(c: OAuthCompile, spec: McpServerSpec): OAuthResource | undefined | 'held-back' {
  const auth = spec.auth;
  if (!auth) return undefined;
  let introspector: Introspector | undefined;
  if (auth.introspection) {
    const { url, clientId, clientSecret } = auth.introspection;
    const where = `mcpServer "${spec.name}"`;
    const secret = resolveSecretRefs({ registry: c.registry, where, problems: c.problems }, { clientSecret }, 'auth.introspection');
    if (!secret) return 'held-back';
    introspector = new Introspector({ url, clientId, clientSecret: secret.clientSecret!, timeoutMs: c.keySets.timeoutMs });
  }
  const config = Object.freeze({
    server: spec.name,
    issuer: auth.issuer,
    jwksUri: auth.jwksUri,
    scopes: Object.freeze([...(auth.scopes ?? [])]),
    audience: auth.audience,
    introspector,
  });
  return new OAuthResource(config, c.keySets);
}
