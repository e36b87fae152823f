import type { Db } from './db.js';

/** The protocol era of an MCP member: `modern` (2026-07-28, stateless), `legacy` (2025, initialize) or not known yet. */
export type McpEra = 'modern' | 'legacy' | 'unknown';

/** What a gateway learnt about one remote or stdio member's era (a row of `mcp_member_eras`). */
export interface McpMemberEra {
  /** The MCP server's name. */
  readonly server: string;
  /** The backend config it was learnt from: a row for another config is stale. */
  readonly backendHash: string;
  readonly era: McpEra;
  /** The revision learnt: `2026-07-28`, or the one `initialize` negotiated (`2025-11-25`, …); null while unknown. */
  readonly protocolVersion: string | null;
  /** When the era was learnt (ISO 8601); null while unknown. */
  readonly learntAt: string | null;
  /** Why the last probe settled nothing (`HTTP 503`, `timed out`, …); null after a probe that did. */
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

/** A server's era as the CLI and the admin API give it: the learnt record, or `both` for the in-process kinds. */
export type ShownEra = { era: 'both' } | Omit<McpMemberEra, 'server' | 'backendHash'>;

/** Hosted servers, REST-to-MCP servers and bundles answer both eras natively; remote and stdio members were probed. */
export function shownEra(kind: string, learnt: McpMemberEra | undefined): ShownEra {
  if (kind !== 'remote' && kind !== 'stdio') return { era: 'both' };
  if (!learnt) return { era: 'unknown', protocolVersion: null, learntAt: null, lastError: null, lastErrorAt: null };
  const { server: _server, backendHash: _hash, ...rest } = learnt;
  return rest;
}

/** Members' eras: what running gateways found, not config (no version bump, no audit). */
export class McpMemberErasRepo {
  constructor(private readonly db: Db) {}

  /** Every recorded member, by name. */
  list(): McpMemberEra[] {
    const rows = this.db.prepare('SELECT * FROM mcp_member_eras ORDER BY server').all() as Array<Record<string, unknown>>;
    return rows.map(fromRow);
  }

  /** The record of server `name`, if any. */
  get(name: string): McpMemberEra | undefined {
    const row = this.db.prepare('SELECT * FROM mcp_member_eras WHERE server = ?').get(name) as Record<string, unknown> | undefined;
    return row && fromRow(row);
  }

  /** Inserts or replaces the record of `era.server`. */
  save(era: McpMemberEra): void {
    this.db
      .prepare(
        `INSERT INTO mcp_member_eras (server, backend_hash, era, protocol_version, learnt_at, last_error, last_error_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(server) DO UPDATE SET backend_hash = excluded.backend_hash, era = excluded.era,
           protocol_version = excluded.protocol_version, learnt_at = excluded.learnt_at,
           last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
      )
      .run(era.server, era.backendHash, era.era, era.protocolVersion, era.learntAt, era.lastError, era.lastErrorAt);
  }

  /** Forgets server `name` (it was removed, or is no longer remote or stdio). */
  forget(name: string): void {
    this.db.prepare('DELETE FROM mcp_member_eras WHERE server = ?').run(name);
  }
}

function fromRow(r: Record<string, unknown>): McpMemberEra {
  return {
    server: r.server as string,
    backendHash: r.backend_hash as string,
    era: r.era as McpEra,
    protocolVersion: (r.protocol_version as string | null) ?? null,
    learntAt: (r.learnt_at as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    lastErrorAt: (r.last_error_at as string | null) ?? null,
  };
}
