import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';

/** One weighted target of an upstream. */
export interface UpstreamTarget {
  url: string;
  weight: number;
}

/** A stored upstream (upstream.schema.json): its targets live in their own table. */
export interface UpstreamSpec {
  name: string;
  targets: UpstreamTarget[];
  balance: 'round-robin' | 'least-request' | 'consistent-hash';
  /** The key for consistent-hash balancing. */
  hashOn?: { source: 'header' | 'cookie' | 'source-ip'; name?: string };
  /** Active HTTP probes of every target. */
  healthCheck?: { path: string; intervalMs: number; timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number };
  /** Passive ejection after consecutive failures. */
  outlier?: { consecutiveFailures: number; baseEjectionMs: number; maxEjectionMs: number; maxEjectedPercent: number };
  /** Upstreams tried in order when no target of this one is available. */
  fallback?: string[];
}

/** Upstreams with weighted targets; the targets are rows of upstream_targets, replaced on every write. */
export function createUpstreamsRepo(db: Db, audit: AuditRepo): SpecStore<UpstreamSpec> {
  const deleteTargets = db.prepare('DELETE FROM upstream_targets WHERE upstream = ?');
  const insertTarget = db.prepare('INSERT INTO upstream_targets (upstream, position, url, weight) VALUES (?, ?, ?, ?)');
  const upstreamExists = db.prepare('SELECT 1 FROM upstreams WHERE name = ?');
  const selectTargets = db.prepare('SELECT url, weight FROM upstream_targets WHERE upstream = ? ORDER BY position');
  return new SpecStore<UpstreamSpec>(db, audit, {
    table: 'upstreams',
    kind: 'upstream',
    hooks: {
      check(u) {
        const problems: string[] = [];
        if (u.targets.every((t) => t.weight === 0)) problems.push('upstream.targets: at least one target needs a weight above 0');
        if (u.balance === 'consistent-hash' && !u.hashOn) problems.push('upstream.hashOn: is required for consistent-hash');
        if (u.hashOn && u.hashOn.source !== 'source-ip' && !u.hashOn.name) problems.push(`upstream.hashOn.name: is required for ${u.hashOn.source}`);
        for (const f of u.fallback ?? []) {
          if (f === u.name) problems.push('upstream.fallback: must not name the upstream itself');
          else if (!upstreamExists.get(f)) problems.push(`upstream.fallback: no upstream named "${f}"`);
        }
        return problems;
      },
      toSpec: ({ targets: _targets, ...rest }) => rest,
      writeExtra(u) {
        deleteTargets.run(u.name);
        u.targets.forEach((t, i) => insertTarget.run(u.name, i, t.url, t.weight));
      },
      readExtra: (u) => ({ ...u, targets: selectTargets.all(u.name) as UpstreamTarget[] }),
    },
  });
}
