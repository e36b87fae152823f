import type { CompiledRestConfig, CompiledTool, SecurityRequirement, SecurityScheme } from '../config/types.js';
import { toByteString, type GoValues } from './go-url.js';
import { QUERY_PREFIX, type CallContext } from './call-context.js';

/** Header list in send order; names keep the config's spelling. */
export type HeaderList = [string, string][];

/**
 * The only configured headers sent to an origin the config does not name (a caller-chosen host, a
 * cross-origin redirect): any other header may carry a credential (perf-reliability §6.2 control 5).
 */
export const CREDENTIAL_FREE_HEADERS: ReadonlySet<string> = new Set(['accept', 'content-type', 'user-agent']);

/** Sets a header, replacing any with the same name (case-insensitive). */
export function setHeader(headers: HeaderList, name: string, value: string): void {
  const lower = name.toLowerCase();
  const kept = headers.filter(([k]) => k.toLowerCase() !== lower);
  headers.splice(0, headers.length, ...kept, [name, value]);
}

/** The client credential taken by the downstream scheme (§2.5), and whether it consumed Authorization. */
export interface DownstreamCredential {
  /** Value to use upstream when the requirement says `passthrough: true`. */
  readonly passthrough?: string;
  /** True when the scheme reads Authorization, which Higress then removes from the request. */
  readonly consumedAuthorization: boolean;
}

/**
 * Downstream security: the tool's `security`, else `defaultDownstreamSecurity`. Like Higress it never
 * rejects a call (enforcement is the gateway's auth filters' job); it only extracts a credential.
 */
export function extractDownstream(config: CompiledRestConfig, tool: CompiledTool, ctx: CallContext): DownstreamCredential {
  const req = tool.security ?? config.defaultDownstreamSecurity;
  const scheme = req ? config.securitySchemes.get(req.id) : undefined;
  if (req === undefined || scheme === undefined) return { consumedAuthorization: false };
  let value: string | undefined;
  if (scheme.type === 'http') {
    const auth = ctx.clientHeader('authorization');
    const prefix = `${scheme.scheme ?? ''} `;
    if (auth !== undefined && auth.toLowerCase().startsWith(prefix)) value = auth.slice(prefix.length).trim();
  } else if (scheme.in === 'header' && scheme.name !== undefined) {
    value = ctx.clientHeader(scheme.name.toLowerCase());
  } else if (scheme.in === 'query' && scheme.name !== undefined) {
    // Higress reads the parameter off the client's :path (auth_utils.go); nothing to remove, the path is replaced.
    value = ctx.clientQuery(scheme.name);
  }
  return { passthrough: req.passthrough && value ? value : undefined, consumedAuthorization: scheme.type === 'http' };
}

/** The request upstream security authenticates: headers changed in place, maybe the query. */
export interface UpstreamAuthTarget {
  headers: HeaderList;
  query: GoValues;
  /** The credential the downstream scheme took from the client, when its requirement passes it through. */
  readonly passthrough?: string;
}

/**
 * Upstream security (§2.5): `requestTemplate.security`, else `defaultUpstreamSecurity`; credential from
 * passthrough, then the requirement, then the scheme default. Returns a warning instead of throwing
 * when nothing applies, because Higress sends the request unauthenticated in that case.
 */
export function applyUpstream(config: CompiledRestConfig, tool: CompiledTool, target: UpstreamAuthTarget): string | undefined {
  const { passthrough } = target;
  const req: SecurityRequirement | undefined = tool.request?.security ?? config.defaultUpstreamSecurity;
  if (req === undefined) return undefined;
  const scheme = config.securitySchemes.get(req.id);
  if (scheme === undefined) return `upstream security scheme "${req.id}" not found`;
  const credential = passthrough ?? (req.credential || undefined) ?? (scheme.defaultCredential || undefined);
  if (credential === undefined) return `no credential for upstream security scheme "${scheme.id}"`;
  applyScheme(scheme, credential, target);
  return undefined;
}

/** Sets `credential` where `scheme` says; it came from the client exactly when the target has a passthrough. */
function applyScheme(scheme: SecurityScheme, credential: string, target: UpstreamAuthTarget): void {
  if (scheme.type === 'http') {
    setHeader(target.headers, 'Authorization', httpAuthValue(scheme, credential, target.passthrough !== undefined));
  } else if (scheme.in === 'header') {
    setHeader(target.headers, scheme.name!, credential);
  } else if (scheme.in === 'query') {
    target.query.set(toByteString(scheme.name!), [toByteString(credential)]);
  } else {
    // Higress's runtime does not support cookie keys (its validator does); agate appends the cookie.
    const cookie = `${scheme.name!}=${credential}`;
    const existing = target.headers.find(([k]) => k.toLowerCase() === 'cookie');
    if (existing) existing[1] = `${existing[1]}; ${cookie}`;
    else target.headers.push(['Cookie', cookie]);
  }
}

/** The Authorization value for an http scheme (Higress ApplySecurity): Bearer token, or Basic with "user:pass" encoded. */
export function httpAuthValue(scheme: SecurityScheme, credential: string, fromClient: boolean): string {
  if (scheme.scheme === 'bearer') return credential.startsWith('Bearer ') ? credential : `Bearer ${credential}`;
  if (credential.startsWith('Basic ')) return credential;
  // A configured "user:pass" is encoded; a passed-through value is already the base64 token.
  if (!fromClient && credential.includes(':')) return `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`;
  return `Basic ${credential}`;
}

/**
 * The lower-case client headers this config may read for passthrough (what the MCP router must hand it as
 * `io.agate/passthrough-auth`): Authorization for `passthroughAuthHeader` and http schemes, the header of
 * apiKey schemes, `query:<name>` for apiKey schemes `in: query` (the MCP URL's parameter), in each case
 * only where a downstream requirement says `passthrough: true`.
 */
export function passthroughHeaderNames(config: CompiledRestConfig): string[] {
  const names = new Set<string>();
  if (config.passthroughAuthHeader) names.add('authorization');
  const requirements = [config.defaultDownstreamSecurity, ...config.tools.map((t) => t.security)];
  for (const req of requirements) {
    const scheme = req?.passthrough ? config.securitySchemes.get(req.id) : undefined;
    if (scheme?.type === 'http') names.add('authorization');
    else if (scheme?.in === 'header' && scheme.name !== undefined) names.add(scheme.name.toLowerCase());
    else if (scheme?.in === 'query' && scheme.name !== undefined) names.add(`${QUERY_PREFIX}${scheme.name}`);
  }
  return [...names];
}
