import type { Router } from './types.js';

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
}

/** The request facts a route is matched against. */
export interface HttpMatchKey {
  method: string;
  /** Normalised path, no query. */
  path: string;
  /** Host without port, lower case. */
  host: string;
}

interface Entry<T> {
  m: HttpMatch;
  test: (path: string) => boolean;
  hostTest: (host: string) => boolean;
  methods?: ReadonlySet<string>;
  rank: number[];
  value: T;
}

/**
 * Routes by host, path and method. Order: priority, then specificity (exact path > prefix, longer
 * prefixes first > regex; exact host > wildcard host > any; a method list > any), then name.
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
      rank: rank(m),
      value,
    });
    this.sorted = false;
  }

  match(key: HttpMatchKey): T | undefined {
    if (!this.sorted) this.sort();
    for (const e of this.entries) {
      if (e.methods && !e.methods.has(key.method)) continue;
      if (!e.hostTest(key.host)) continue;
      if (e.test(key.path)) return e.value;
    }
    return undefined;
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
  return [m.priority, pathKind, m.pathType === 'prefix' ? m.path.length : 0, hostKind, m.host?.length ?? 0, m.methods ? 1 : 0];
}

function pathTest(m: HttpMatch): (path: string) => boolean {
  if (m.pathType === 'exact') return (p) => p === m.path;
  if (m.pathType === 'regex') {
    const re = new RegExp(m.path.startsWith('^') ? m.path : `^(?:${m.path})`);
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
