import type { OutgoingHttpHeaders } from 'node:http';
import { compileConfigRegex, type AuthSpec, type HeaderRulesSpec, type RouteSpec } from '../../../registry/index.js';
import type { GatewayContext } from '../../pipeline/index.js';
import { forwardedRequestHeaders, unforwardedHeaders } from './forward-headers.js';

/** Header edits compiled once: remove, then set (replace), then add (append). */
export interface HeaderRules {
  readonly remove: readonly string[];
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly add: ReadonlyArray<readonly [string, string]>;
}

/** Compiles a route's header edits, names lower-cased. */
export function compileHeaderRules(spec: HeaderRulesSpec | undefined): HeaderRules | undefined {
  if (!spec) return undefined;
  const pairs = (o: Record<string, string> | undefined) => Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const);
  return Object.freeze({ remove: (spec.remove ?? []).map((h) => h.toLowerCase()), set: pairs(spec.set), add: pairs(spec.add) });
}

/** Applies header edits in place. */
export function applyHeaderRules(headers: OutgoingHttpHeaders, rules: HeaderRules): void {
  for (const name of rules.remove) delete headers[name];
  for (const [name, value] of rules.set) headers[name] = value;
  for (const [name, value] of rules.add) {
    const prior = headers[name];
    if (prior === undefined) headers[name] = value;
    else headers[name] = Array.isArray(prior) ? [...prior, value] : [String(prior), value];
  }
}

/** Builds the path and headers a request is forwarded with. */
export interface RequestShaper {
  /** Path (rewritten) and query (minus a key-auth parameter) to append to the target's base path. */
  path(ctx: GatewayContext): string;
  /** End-to-end headers, X-Forwarded-*, route edits, the gateway's credentials instead of the client's. */
  headers(ctx: GatewayContext): Record<string, string | string[]>;
}

/** Compiles a route's rewrites and header edits. */
export function compileShaper(spec: RouteSpec): RequestShaper {
  const rewritePath = compilePathRewrite(spec);
  const rules = compileHeaderRules(spec.requestHeaders);
  const skip = unforwardedHeaders(credentialHeaders(spec.auth));
  const stripQuery = spec.auth && !spec.auth.forwardCredentials ? spec.auth.keyQuery : undefined;
  const host = spec.rewrite?.host;
  return {
    path(ctx) {
      const path = rewritePath ? rewritePath(ctx.request.path) : ctx.request.path;
      let query = ctx.request.query;
      if (stripQuery && query) {
        const q = new URLSearchParams(query);
        q.delete(stripQuery);
        query = q.toString();
      }
      return query ? `${path}?${query}` : path;
    },
    headers(ctx) {
      const req = ctx.request;
      const h = forwardedRequestHeaders(req.headers, skip, req.forwardedFor !== undefined);
      h['x-forwarded-for'] = req.forwardedFor ?? req.remoteAddress;
      h['x-real-ip'] = req.clientIp ?? req.remoteAddress;
      h['x-forwarded-proto'] = req.protocol;
      h['x-forwarded-host'] = req.host;
      if (req.forwardedFor === undefined) h['x-forwarded-port'] = String(ctx.http?.req.socket.localPort ?? '');
      h['x-request-id'] = ctx.requestId;
      if (host) h.host = host;
      if (rules) applyHeaderRules(h, rules);
      return h;
    },
  };
}

/** Client credentials the gateway consumed and does not pass on (unless the route says to). */
function credentialHeaders(auth: AuthSpec | undefined): string[] {
  if (!auth || auth.forwardCredentials) return [];
  return [auth.keyHeader.toLowerCase(), 'authorization'];
}

function compilePathRewrite(spec: RouteSpec): ((path: string) => string) | undefined {
  const r = spec.rewrite;
  if (r?.regex !== undefined) {
    const re = compileConfigRegex(r.regex, 'route.rewrite.regex');
    const replacement = r.replacement ?? '';
    return (path) => ensureSlash(re.replaceFirst(path, replacement));
  }
  const newPrefix = r?.prefix ?? (spec.stripPrefix ? '' : undefined);
  if (newPrefix === undefined || spec.pathType !== 'prefix') return undefined;
  const matched = spec.path.replace(/\/$/, '');
  return (path) => {
    if (!path.startsWith(matched)) return path;
    const rest = path.slice(matched.length);
    const joined = newPrefix.endsWith('/') && rest.startsWith('/') ? newPrefix + rest.slice(1) : newPrefix + rest;
    return ensureSlash(joined);
  };
}

function ensureSlash(path: string): string {
  return path.startsWith('/') ? path : '/' + path;
}
