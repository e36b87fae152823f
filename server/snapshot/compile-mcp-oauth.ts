import type { McpServerSpec, Registry } from '../../registry/index.js';
import { Introspector, OAuthResource, type KeySets } from '../auth/oauth/index.js';

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
    let secret: string | undefined;
    try {
      secret = c.registry.secrets.get(clientSecret);
    } catch (err) {
      c.problems.push(`mcpServer "${spec.name}": auth.introspection.clientSecret: ${(err as Error).message}`);
      return 'held-back';
    }
    if (secret === undefined) {
      c.problems.push(`mcpServer "${spec.name}": auth.introspection.clientSecret: no secret named "${clientSecret}"`);
      return 'held-back';
    }
    introspector = new Introspector({ url, clientId, clientSecret: secret, timeoutMs: c.keySets.timeoutMs });
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
