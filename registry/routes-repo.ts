import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';
import { configRegexProblem } from './config-regex.js';
import { RegistryError } from './errors.js';
import type { SecretBox } from './secret-box.js';
import { HEADER_MAX_SEALED, MASK, isPlainName, isSealed, openValue, sameSealed, sealField } from './secret-fields.js';

/** A stored HTTP route (route.schema.json), defaults filled in. */
export interface RouteSpec {
  name: string;
  path: string;
  pathType: 'prefix' | 'exact' | 'regex';
  host?: string;
  methods?: string[];
  /** Absent only on redirect and direct-response routes. */
  upstream?: string;
  stripPrefix: boolean;
  priority: number;
  timeoutMs: number;
  enabled: boolean;
  headers?: MatchPredicate[];
  query?: MatchPredicate[];
  canary?: CanarySpec;
  rewrite?: { prefix?: string; regex?: string; replacement?: string; host?: string };
  requestHeaders?: HeaderRulesSpec;
  responseHeaders?: HeaderRulesSpec;
  redirect?: { location: string; status: 301 | 302 | 303 | 307 | 308; keepPath: boolean };
  directResponse?: { status: number; body: string; contentType: string };
  maxBodyBytes?: number;
  cors?: CorsSpec;
  ipAllow?: string[];
  ipDeny?: string[];
  timeouts?: { connectMs?: number; firstByteMs?: number; idleMs?: number; totalMs?: number };
  retries?: RetrySpec;
  auth?: AuthSpec;
  rateLimit?: RateLimitSpec;
}

/** A header or query predicate: exactly one of exact, regex or present. */
export interface MatchPredicate {
  name: string;
  exact?: string;
  regex?: string;
  present?: boolean;
}

/** nginx-ingress canary: header beats cookie beats weight. */
export interface CanarySpec {
  upstream: string;
  header?: string;
  headerValue?: string;
  headerRegex?: string;
  cookie?: string;
  weight: number;
}

/** Header edits: add appends, set replaces, remove deletes. */
export interface HeaderRulesSpec {
  add?: Record<string, string>;
  set?: Record<string, string>;
  remove?: string[];
}

/** A route's CORS policy. */
export interface CorsSpec {
  allowOrigins?: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

/** When and how often a failed upstream call is tried again. */
export interface RetrySpec {
  attempts: number;
  on: Array<'connect-failure' | 'reset' | 'timeout' | 'statuses'>;
  statuses: number[];
  perTryTimeoutMs?: number;
  budgetPercent: number;
  minRetriesPerSecond: number;
}

/** Who may use a route and how they prove it. */
export interface AuthSpec {
  methods: Array<'key' | 'jwt' | 'basic'>;
  allow?: string[];
  keyHeader: string;
  keyQuery?: string;
  forwardCredentials: boolean;
}

/**
 * The one rate-limit shape (rate-limit.schema.json `bucket`): `requests` per `per` or per `windowSeconds`,
 * refilled evenly, holding up to `burst` (default: requests). Each use narrows it (see the schemas).
 */
export interface BucketSpec {
  requests: number;
  per?: 'second' | 'minute' | 'hour';
  windowSeconds?: number;
  burst?: number;
  /** When the shared quota store (Redis) cannot answer: `closed` refuses (503), `open` admits. Default per use. */
  onStoreError?: 'closed' | 'open';
}

/** A route's token bucket: one bucket per route, consumer or IP. */
export interface RateLimitSpec extends BucketSpec {
  per: 'second' | 'minute' | 'hour';
  by: 'route' | 'consumer' | 'ip';
}

/** True when a route's `upstream` is a literal URL rather than the name of an upstream. */
export function isUpstreamUrl(upstream: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(upstream);
}

/**
 * Routes. A route names an upstream (a foreign key, so an upstream in use cannot be removed) or a URL.
 * Request header values whose names are not known to be plain are sealed in place with `box` (loaded only
 * when such a value is written).
 */
export function createRoutesRepo(db: Db, audit: AuditRepo, box: () => SecretBox): SpecStore<RouteSpec> {
  const upstreamExists = db.prepare('SELECT 1 FROM upstreams WHERE name = ?');
  return new SpecStore<RouteSpec>(db, audit, {
    table: 'routes',
    kind: 'route',
    hooks: {
      check(route) {
        const problems: string[] = [];
        const checkUpstream = (ref: string, field: string) => {
          if (isUpstreamUrl(ref)) {
            if (!/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(ref)) problems.push(`${field}: must be an http:// or https:// URL or the name of an upstream`);
          } else if (!upstreamExists.get(ref)) {
            problems.push(`${field}: no upstream named "${ref}"`);
          }
        };
        if (route.upstream !== undefined) checkUpstream(route.upstream, 'route.upstream');
        else if (!route.redirect && !route.directResponse) problems.push('route.upstream: is required (unless redirect or directResponse is set)');
        if (route.canary) checkUpstream(route.canary.upstream, 'route.canary.upstream');
        if (route.pathType === 'regex') checkRegex(route.path, 'route.path', problems);
        if (route.rewrite?.regex !== undefined) checkRegex(route.rewrite.regex, 'route.rewrite.regex', problems);
        if (route.canary?.headerRegex !== undefined) checkRegex(route.canary.headerRegex, 'route.canary.headerRegex', problems);
        for (const list of ['headers', 'query'] as const) {
          route[list]?.forEach((p, i) => {
            const set = [p.exact, p.regex, p.present].filter((v) => v !== undefined).length;
            if (set !== 1) problems.push(`route.${list}[${i}]: needs exactly one of exact, regex or present`);
            if (p.regex !== undefined) checkRegex(p.regex, `route.${list}[${i}].regex`, problems);
          });
        }
        return problems;
      },
      prepare: (route, current) => sealRouteHeaders(route, current, box),
      columns: (route) => ({ upstream_ref: route.upstream === undefined || isUpstreamUrl(route.upstream) ? null : route.upstream }),
    },
  });
}

function checkRegex(source: string, field: string, problems: string[]): void {
  const problem = configRegexProblem(source, field);
  if (problem) problems.push(problem);
}

/** Where a sealed request header value of `route` is bound (the AES-GCM associated data). */
export function routeHeaderBinding(route: string, header: string): string {
  return `route/${route}/requestHeaders/${header.toLowerCase()}`;
}

/**
 * Seals every request header value whose name is not known to be plain. A value already sealed for this
 * route and header is kept (after checking it opens); the mask `********` stands for the stored value, so a
 * spec read back through the CLI or admin API can be written again unchanged.
 */
function sealRouteHeaders(route: RouteSpec, current: RouteSpec | undefined, box: () => SecretBox): RouteSpec {
  const rules = route.requestHeaders;
  if (!rules || (!rules.set && !rules.add)) return route;
  const problems: string[] = [];
  const out: HeaderRulesSpec = { ...rules };
  for (const part of ['set', 'add'] as const) {
    if (!rules[part]) continue;
    const sealed: Record<string, string> = {};
    for (const [name, value] of Object.entries(rules[part])) {
      const field = `route.requestHeaders.${part}.${name}`;
      const previous = storedHeader(current, name);
      const stored = value === MASK ? previous : value;
      const where = routeHeaderBinding(route.name, name);
      if (stored === undefined) problems.push(`${field}: is the mask "${MASK}" but no value is stored for it; give the value`);
      else if (isPlainName(name)) sealed[name] = stored;
      else sealed[name] = sameSealed({ box, where, value: stored, previous }) ?? sealField({ box, where, value: stored, field, max: HEADER_MAX_SEALED }, problems);
    }
    out[part] = sealed;
  }
  if (problems.length) throw new RegistryError('validation', problems);
  return { ...route, requestHeaders: out };
}

/** The value `current` holds for header `name` (set or add, any case). */
function storedHeader(current: RouteSpec | undefined, name: string): string | undefined {
  for (const part of ['set', 'add'] as const) {
    const found = Object.entries(current?.requestHeaders?.[part] ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (found) return found[1];
  }
  return undefined;
}

/** `route` as every interface shows it: request header values that are (or should be) secret are masked. */
export function maskRoute(route: RouteSpec): RouteSpec {
  const rules = route.requestHeaders;
  if (!rules) return route;
  const mask = (map: Record<string, string> | undefined) =>
    map && Object.fromEntries(Object.entries(map).map(([k, v]) => [k, isPlainName(k) && !isSealed(v) ? v : MASK]));
  return { ...route, requestHeaders: { ...rules, ...(rules.set && { set: mask(rules.set) }), ...(rules.add && { add: mask(rules.add) }) } };
}

/** `route` with its sealed request header values decrypted, for the compiler. */
export function openRouteHeaders(route: RouteSpec, box: () => SecretBox): RouteSpec {
  const rules = route.requestHeaders;
  if (!rules) return route;
  const open = (map: Record<string, string> | undefined) =>
    map && Object.fromEntries(Object.entries(map).map(([k, v]) => [k, isSealed(v) ? openValue(box(), routeHeaderBinding(route.name, k), v) : v]));
  return { ...route, requestHeaders: { ...rules, ...(rules.set && { set: open(rules.set) }), ...(rules.add && { add: open(rules.add) }) } };
}
