import type { IncomingHttpHeaders } from 'node:http';
import { compileConfigRegex } from '../../registry/index.js';
import type { Router } from './types.js';

/** A header or query predicate: exact value, full-match regex, or presence (`present: false` = absent). */
export interface MatchPredicate {
  readonly name: string;
  readonly exact?: string;
  readonly regex?: string;
  readonly present?: boolean;
}

/** What an HTTP route matches on. */
export interface HttpMatch {
  /** Route name: the final tie-breaker, so equal routes are ordered deterministically. */
  name: string;
  path: string;
  pathType: 'prefix' | 'exact' | 'regex';
  /** Exact host, or `*.example.com`; undefined matches any host. */
  host?: string;
  /** Upper-case methods; undefined matches any. */
  methods?: readonly string[];
  /** Higher wins before specificity is considered. */
  priority: number;
  /** Header predicates; all must hold. */
  headers?: readonly MatchPredicate[];
  /** Query-parameter predicates; all must hold. */
  query?: readonly MatchPredicate[];
}

/** The request facts a route is matched against. */
export interface HttpMatchKey {
  method: string;
  /** Normalised path, no query. */
  path: string;
  /** Host without port, lower case. */
  host: string;
  /** Request headers, for routes with header predicates. */
  headers?: IncomingHttpHeaders;
  /** Raw query string without '?', for routes with query predicates. */
  query?: string;
}

interface Entry<T> {
  m: HttpMatch;
  test: (path: string) => boolean;
  hostTest: (host: string) => boolean;
  methods?: ReadonlySet<string>;
  /** Header and query predicates compiled to tests; undefined when the route has none. */
  extra?: (key: HttpMatchKey, params: () => URLSearchParams) => boolean;
  rank: number[];
  value: T;
}

/**
 * Routes by host, path, method, headers and query. Order: priority, then specificity (exact path > prefix,
 * longer prefixes first > regex; exact host > wildcard host > any; more header/query predicates; a method
 * list > any), then name.
 */
export class HttpRouter<T> implements Router<HttpMatch, HttpMatchKey, T> {
  private entries: Entry<T>[] = [];
  private sorted = true;

  add(m: HttpMatch, value: T): void {
    this.entries.push({
      m,
      test: pathTest(m),
      hostTest: hostTest(m.host),
      methods: m.methods ? new Set(m.methods) : undefined,
      extra: predicateTest(m),
      rank: rank(m),
      value,
    });
    this.sorted = false;
  }

  match(key: HttpMatchKey): T | undefined {
    if (!this.sorted) this.sort();
    // The query is parsed at most once per request, and only if some candidate route looks at it.
    let parsed: URLSearchParams | undefined;
    const params = () => (parsed ??= new URLSearchParams(key.query ?? ''));
    for (const e of this.entries) {
      if (e.methods && !e.methods.has(key.method)) continue;
      if (!e.hostTest(key.host)) continue;
      if (!e.test(key.path)) continue;
      if (e.extra && !e.extra(key, params)) continue;
      return e.value;
    }
    return undefined;
  }

  /** Whether some route names `host` (lower case, no port) in its own host match: a name the gateway serves. */
  servesHost(host: string): boolean {
    return this.entries.some((e) => !!e.m.host && e.hostTest(host));
  }

  private sort(): void {
    this.entries.sort((a, b) => {
      for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return b.rank[i]! - a.rank[i]!;
      return a.m.name < b.m.name ? -1 : a.m.name > b.m.name ? 1 : 0;
    });
    this.sorted = true;
  }
}

function rank(m: HttpMatch): number[] {
  const pathKind = m.pathType === 'exact' ? 3 : m.pathType === 'prefix' ? 2 : 1;
  const hostKind = !m.host ? 0 : m.host.startsWith('*.') ? 1 : 2;
  const predicates = (m.headers?.length ?? 0) + (m.query?.length ?? 0);
  // Host before path, as Envoy's virtual hosts and nginx's server blocks do: a route for api.example.com is
  // never shadowed by a longer catch-all prefix meant for other hosts.
  return [m.priority, hostKind, m.host?.length ?? 0, pathKind, m.pathType === 'prefix' ? m.path.length : 0, predicates, m.methods ? 1 : 0];
}

function predicateTest(m: HttpMatch): Entry<unknown>['extra'] {
  const headerTests = (m.headers ?? []).map((p) => valueTest(p));
  const queryTests = (m.query ?? []).map((p) => valueTest(p));
  if (headerTests.length === 0 && queryTests.length === 0) return undefined;
  const headerNames = (m.headers ?? []).map((p) => p.name.toLowerCase());
  const queryNames = (m.query ?? []).map((p) => p.name);
  return (key, params) => {
    for (let i = 0; i < headerTests.length; i++) {
      const raw = key.headers?.[headerNames[i]!];
      if (!headerTests[i]!(Array.isArray(raw) ? raw.join(',') : raw)) return false;
    }
    if (queryTests.length === 0) return true;
    const q = params();
    for (let i = 0; i < queryTests.length; i++) if (!queryTests[i]!(q.get(queryNames[i]!) ?? undefined)) return false;
    return true;
  };
}

function valueTest(p: MatchPredicate): (value: string | undefined) => boolean {
  if (p.present !== undefined) return p.present ? (v) => v !== undefined : (v) => v === undefined;
  if (p.exact !== undefined) return (v) => v === p.exact;
  // Full match, as Envoy's safe_regex does: `premium` must not match `not-premium-at-all`.
  const re = compileConfigRegex(`^(?:${p.regex ?? ''})$`, `route predicate "${p.name}" regex`);
  return (v) => v !== undefined && re.test(v);
}

function pathTest(m: HttpMatch): (path: string) => boolean {
  if (m.pathType === 'exact') return (p) => p === m.path;
  if (m.pathType === 'regex') {
    const re = compileConfigRegex(m.path.startsWith('^') ? m.path : `^(?:${m.path})`, 'route.path');
    return (p) => re.test(p);
  }
  const prefix = m.path;
  if (prefix.endsWith('/')) return (p) => p.startsWith(prefix);
  // Segment-aware: /echo matches /echo and /echo/x but not /echoes.
  return (p) => p.startsWith(prefix) && (p.length === prefix.length || p.charCodeAt(prefix.length) === 47);
}

function hostTest(host: string | undefined): (h: string) => boolean {
  if (!host) return () => true;
  const want = host.toLowerCase().replace(/:\d+$/, '');
  if (want.startsWith('*.')) {
    const suffix = want.slice(1);
    return (h) => h.endsWith(suffix) && h.length > suffix.length;
  }
  return (h) => h === want;
}
