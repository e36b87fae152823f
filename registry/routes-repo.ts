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
  upstream: string;
  stripPrefix: boolean;
  priority: number;
  timeoutMs: number;
  enabled: boolean;
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
        if (isUpstreamUrl(route.upstream)) {
          if (!/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(route.upstream)) {
            problems.push('route.upstream: must be an http:// or https:// URL or the name of an upstream');
          }
        } else if (!upstreamExists.get(route.upstream)) {
          problems.push(`route.upstream: no upstream named "${route.upstream}"`);
        }
        if (route.pathType === 'regex') {
          try {
            new RegExp(route.path);
          } catch (err) {
            problems.push(`route.path: is not a valid regular expression (${(err as Error).message})`);
          }
        }
        return problems;
      },
      columns: (route) => ({ upstream_ref: isUpstreamUrl(route.upstream) ? null : route.upstream }),
    },
  });
}
