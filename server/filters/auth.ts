import type { AuthSpec } from '../../registry/index.js';
import { GatewayError, errors, gatewayError } from '../errors/index.js';
import type { Filter, GatewayContext } from '../pipeline/index.js';
import type { ConsumerDirectory, Verdict } from '../auth/index.js';

/** What the auth filter reads besides its config. */
export interface AuthDeps {
  /** The snapshot's consumer index. */
  readonly directory: ConsumerDirectory;
}

/** A credential found on the request, before it is checked. */
type Presented = { kind: 'key' | 'jwt'; value: string } | { kind: 'basic'; user: string; password: string };

/**
 * Authenticates the consumer (API key in a header, `Authorization: Bearer`, or a query parameter; JWT;
 * basic auth), sets `ctx.consumer`, and admits it when `allow` names it or one of its groups.
 * Reads only `ctx.request`, so the MCP and LLM ingresses reuse it unchanged.
 */
export function auth(config: AuthSpec, deps: AuthDeps): Filter {
  const methods = new Set(config.methods);
  const allow = config.allow ? new Set(config.allow) : undefined;
  const keyHeader = config.keyHeader.toLowerCase();
  const challenge = { 'www-authenticate': methods.has('basic') ? 'Basic realm="agate"' : 'Bearer realm="agate"' };
  return async function authenticate(ctx, next) {
    const presented = findCredential(ctx, config, methods, keyHeader);
    if (!presented) throw new GatewayError(errors.GW_ERR_AUTH_MISSING, [], { headers: challenge });
    const verdict = check(presented, deps.directory);
    if (!verdict.ok) throw new GatewayError(errors.GW_ERR_AUTH_INVALID, [], { headers: challenge, cause: verdict.reason });
    const consumer = verdict.consumer;
    if (allow && !allow.has(consumer.name) && !consumer.groups.some((g) => allow.has(g))) {
      throw gatewayError('GW_ERR_AUTH_FORBIDDEN', consumer.name, ctx.route?.name ?? ctx.request.path);
    }
    ctx.consumer = consumer;
    await next();
  };
}

function check(p: Presented, directory: ConsumerDirectory): Verdict {
  if (p.kind === 'basic') return directory.byBasic(p.user, p.password);
  return p.kind === 'jwt' ? directory.byJwt(p.value) : directory.byKey(p.value);
}

function findCredential(ctx: GatewayContext, config: AuthSpec, methods: Set<string>, keyHeader: string): Presented | undefined {
  const headers = ctx.request.headers;
  if (methods.has('key')) {
    const key = headers[keyHeader];
    if (typeof key === 'string' && key) return { kind: 'key', value: key };
  }
  const authorization = headers.authorization;
  if (authorization) {
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
  }
  if (config.keyQuery && methods.has('key') && ctx.request.query) {
    const key = new URLSearchParams(ctx.request.query).get(config.keyQuery);
    if (key) return { kind: 'key', value: key };
  }
  return undefined;
}
