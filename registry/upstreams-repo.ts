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
  balance: 'round-robin';
}

/** Upstreams with weighted targets; the targets are rows of upstream_targets, replaced on every write. */
export function createUpstreamsRepo(db: Db, audit: AuditRepo): SpecStore<UpstreamSpec> {
  const deleteTargets = db.prepare('DELETE FROM upstream_targets WHERE upstream = ?');
  const insertTarget = db.prepare('INSERT INTO upstream_targets (upstream, position, url, weight) VALUES (?, ?, ?, ?)');
  const selectTargets = db.prepare('SELECT url, weight FROM upstream_targets WHERE upstream = ? ORDER BY position');
  return new SpecStore<UpstreamSpec>(db, audit, {
    table: 'upstreams',
    kind: 'upstream',
    hooks: {
      check: (u) => (u.targets.every((t) => t.weight === 0) ? ['upstream.targets: at least one target needs a weight above 0'] : []),
      toSpec: ({ targets: _targets, ...rest }) => rest,
      writeExtra(u) {
        deleteTargets.run(u.name);
        u.targets.forEach((t, i) => insertTarget.run(u.name, i, t.url, t.weight));
      },
      readExtra: (u) => ({ ...u, targets: selectTargets.all(u.name) as UpstreamTarget[] }),
    },
  });
}
