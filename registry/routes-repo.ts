import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';

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

/** A token bucket: `requests` per `per`, holding up to `burst`, one bucket per route, consumer or IP. */
export interface RateLimitSpec {
  requests: number;
  per: 'second' | 'minute' | 'hour';
  burst?: number;
  by: 'route' | 'consumer' | 'ip';
}

/** True when a route's `upstream` is a literal URL rather than the name of an upstream. */
export function isUpstreamUrl(upstream: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(upstream);
}

/** Routes. A route names an upstream (a foreign key, so an upstream in use cannot be removed) or a URL. */
export function createRoutesRepo(db: Db, audit: AuditRepo): SpecStore<RouteSpec> {
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
      columns: (route) => ({ upstream_ref: route.upstream === undefined || isUpstreamUrl(route.upstream) ? null : route.upstream }),
    },
  });
}

function checkRegex(source: string, field: string, problems: string[]): void {
  try {
    new RegExp(source);
  } catch (err) {
    problems.push(`${field}: is not a valid regular expression (${(err as Error).message})`);
  }
}
