import type { AuthSpec } from '../../registry/index.js';
import { GatewayError, errors, gatewayError } from '../errors/index.js';
import type { ConsumerIdentity, Filter, GatewayContext } from '../pipeline/index.js';
import type { ConsumerDirectory, Verdict } from '../auth/index.js';
import type { OAuthResource } from '../auth/oauth/index.js';
import { authenticateBearer } from './oauth-bearer.js';

/** Headers of one request that carry the upstream's credential, not agate's (configured credential passthrough). */
export interface PassedThrough {
  /** Lower-case header names. */
  readonly headers: ReadonlySet<string>;
  /** What passes them on (`MCP server <name>`), for the refusal. */
  readonly subject: string;
}

/** What the auth filter reads besides its config. */
export interface AuthDeps {
  /** The snapshot's consumer index. */
  readonly directory: ConsumerDirectory;
  /**
   * The OAuth resource server the request is for, if any (an MCP server with `auth: oauth`): its requests are
   * authenticated by an access token for that resource only, and need one whatever the anonymous policy.
   */
  readonly oauthResourceOf?: (ctx: GatewayContext) => OAuthResource | undefined;
  /**
   * The headers this request passes to its upstream, if any: never read as an agate credential, and refused
   * when one holds an agate credential anyway (it would leave the gateway).
   */
  readonly passedThrough?: (ctx: GatewayContext) => PassedThrough | undefined;
}

/** A credential found on the request, before it is checked. */
type Presented = { kind: 'key' | 'jwt'; value: string } | { kind: 'basic'; user: string; password: string };

/**
 * What happens to a request that does not authenticate: `refuse` it (401, HTTP routes); let it through
 * anonymously `when-no-credential` was presented (a presented one must check out: MCP endpoints, where open
 * servers serve anonymous agents); or let it through anonymously `always` (LLM endpoints: SDKs always send *some*
 * key), keeping the refusal for a resource that turns out to need a consumer (see `authRefusalOf`).
 */
export type AnonymousPolicy = 'refuse' | 'when-no-credential' | 'always';

/** How agents and SDKs present agate keys: `Authorization: Bearer <key or JWT>` or `x-api-key`. */
export const CLIENT_KEY_AUTH: AuthSpec = Object.freeze({ methods: ['key', 'jwt'], keyHeader: 'x-api-key', forwardCredentials: false }) as AuthSpec;

/**
 * The 401 an anonymous request (policy `always`) earns where a consumer is required: invalid credentials if it
 * presented some, missing otherwise. Built only when asked for, so the anonymous path costs no Error.
 */
export function authRefusalOf(ctx: GatewayContext): GatewayError {
  const r = ctx.authRefusal;
  if (!r) return gatewayError('GW_ERR_AUTH_MISSING');
  return new GatewayError(r.missing ? errors.GW_ERR_AUTH_MISSING : errors.GW_ERR_AUTH_INVALID, [], { headers: { ...r.challenge }, cause: r.cause });
}

/**
 * Authenticates the consumer (`Authorization: Bearer` key or JWT, basic auth, an API key header, or a query
 * parameter, in that order), sets `ctx.consumer`, and admits it when `allow` names it or one of its groups.
 * Reads only `ctx.request`, so the HTTP, MCP and LLM ingresses all use it.
 */
export function auth(config: AuthSpec, deps: AuthDeps, anonymous: AnonymousPolicy = 'refuse'): Filter {
  const methods = new Set(config.methods);
  const allow = config.allow ? new Set(config.allow) : undefined;
  const lookup: CredentialLookup = { methods, keyHeader: config.keyHeader.toLowerCase(), keyQuery: config.keyQuery };
  const challenge = { 'www-authenticate': methods.has('basic') ? 'Basic realm="agate"' : 'Bearer realm="agate"' };
  // Not async: a rejection is a throw, which compose turns into one; the filter adds no promise of its own.
  return function authenticate(ctx, next) {
    const resource = deps.oauthResourceOf?.(ctx);
    if (resource) return authenticateBearer(ctx, resource).then(next);
    const passed = deps.passedThrough?.(ctx);
    if (passed) refuseOwnCredential(ctx, passed, { lookup, directory: deps.directory });
    const presented = findCredential(ctx, lookup, passed?.headers);
    if (!presented) {
      if (anonymous === 'refuse') throw new GatewayError(errors.GW_ERR_AUTH_MISSING, [], { headers: challenge });
      if (anonymous === 'always') ctx.authRefusal = { missing: true, challenge };
      return next();
    }
    const verdict = check(presented, deps.directory);
    if (!verdict.ok) {
      if (anonymous !== 'always') throw new GatewayError(errors.GW_ERR_AUTH_INVALID, [], { headers: challenge, cause: verdict.reason });
      ctx.authRefusal = { missing: false, challenge, cause: verdict.reason };
      return next();
    }
    const consumer = verdict.consumer;
    if (allow && !allow.has(consumer.name) && !consumer.groups.some((g) => allow.has(g))) {
      throw gatewayError('GW_ERR_AUTH_FORBIDDEN', consumer.name, ctx.route?.name ?? ctx.request.path);
    }
    ctx.consumer = consumer;
    return next();
  };
}

/**
 * Whether `consumer` is on an allow list of consumer names, `group:<name>`, and for OAuth token holders
 * `scope:<scope>` and `sub:<subject>` entries (anonymous never is).
 */
export function onAllowList(list: readonly string[], consumer: ConsumerIdentity | undefined): boolean {
  if (!consumer) return false;
  return list.some((entry) => allowEntryMatches(entry, consumer));
}

function allowEntryMatches(entry: string, consumer: ConsumerIdentity): boolean {
  const colon = entry.indexOf(':');
  if (colon === -1) return entry === consumer.name;
  const value = entry.slice(colon + 1);
  switch (entry.slice(0, colon)) {
    case 'group':
      return consumer.groups.includes(value);
    case 'scope':
      return consumer.oauth?.scopes.includes(value) === true;
    case 'sub':
      return consumer.oauth?.subject === value;
    default:
      return false;
  }
}

/**
 * Admits only the consumers on `list` (names and `group:<name>`) to `subject`, a resource finer than the route
 * (an MCP member reached through any endpoint). Authenticates nothing: runs after `auth`. An anonymous request
 * gets the refusal `auth` set aside for it (401), a consumer not on the list 403 naming it and the subject.
 */
export function consumerAllowList(list: readonly string[], subject: string): Filter {
  return async function allowConsumers(ctx, next) {
    if (!ctx.consumer) throw authRefusalOf(ctx);
    if (!onAllowList(list, ctx.consumer)) throw gatewayError('GW_ERR_AUTH_FORBIDDEN', ctx.consumer.name, subject);
    await next();
  };
}

function check(p: Presented, directory: ConsumerDirectory): Verdict {
  if (p.kind === 'basic') return directory.byBasic(p.user, p.password);
  return p.kind === 'jwt' ? directory.byJwt(p.value) : directory.byKey(p.value);
}

/** Where the auth filter looks for a credential; built once per filter. */
interface CredentialLookup {
  /** The accepted methods (key, jwt, basic). */
  readonly methods: ReadonlySet<string>;
  /** The API key header, lower-cased. */
  readonly keyHeader: string;
  /** The query parameter that may carry a key, if any. */
  readonly keyQuery?: string;
}

/**
 * Refuses a request that sent an agate credential in a passed-through header: agate does not read it there, so
 * it would go to the upstream. Costs a key lookup (and a JWT check) only on servers configured for passthrough.
 */
function refuseOwnCredential(ctx: GatewayContext, passed: PassedThrough, at: { lookup: CredentialLookup; directory: ConsumerDirectory }): void {
  const { methods, keyHeader } = at.lookup;
  for (const name of passed.headers) {
    const value = ctx.request.headers[name];
    if (typeof value !== 'string' || !value) continue;
    const presented = name === 'authorization' ? fromAuthorization(value, methods) : name === keyHeader && methods.has('key') ? ({ kind: 'key', value } as const) : undefined;
    if (presented && check(presented, at.directory).ok) throw gatewayError('GW_ERR_AUTH_KEY_IN_PASSTHROUGH', name, passed.subject);
  }
}

/** The credential an Authorization header holds, for the accepted methods. */
function fromAuthorization(authorization: string, methods: ReadonlySet<string>): Presented | undefined {
  const space = authorization.indexOf(' ');
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer' && value) {
    // Three dot-separated parts is a JWT; anything else is an API key sent as a bearer token.
    const looksJwt = value.split('.').length === 3;
    if (looksJwt && methods.has('jwt')) return { kind: 'jwt', value };
    if (!looksJwt && methods.has('key')) return { kind: 'key', value };
  }
  if (scheme === 'basic' && methods.has('basic')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** The credential on the request; headers in `skip` belong to the upstream (configured passthrough) and are not read. */
function findCredential(ctx: GatewayContext, lookup: CredentialLookup, skip?: ReadonlySet<string>): Presented | undefined {
  const { methods, keyHeader } = lookup;
  const headers = ctx.request.headers;
  // Authorization first, then the key header.
  const authorization = skip?.has('authorization') ? undefined : headers.authorization;
  const fromHeader = authorization ? fromAuthorization(authorization, methods) : undefined;
  if (fromHeader) return fromHeader;
  if (methods.has('key') && !skip?.has(keyHeader)) {
    const key = headers[keyHeader];
    if (typeof key === 'string' && key) return { kind: 'key', value: key };
  }
  if (lookup.keyQuery && methods.has('key') && ctx.request.query) {
    const key = new URLSearchParams(ctx.request.query).get(lookup.keyQuery);
    if (key) return { kind: 'key', value: key };
  }
  return undefined;
}
