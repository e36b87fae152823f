-- The MCP protocol era each remote and stdio member speaks, as a gateway learnt it by the 2026-07-28 probe
-- (server/discover, then initialize on a legacy signal). What the gateway found, not config: no version bump
-- (no trigger), so writing it never looks like a config change. A restart reuses a known era instead of probing
-- again at once; the row is valid only for the backend config it was learnt from (backend_hash).

CREATE TABLE mcp_member_eras (
  server           TEXT PRIMARY KEY,
  backend_hash     TEXT NOT NULL,
  era              TEXT NOT NULL CHECK (era IN ('modern', 'legacy', 'unknown')),
  protocol_version TEXT,             -- the revision learnt: 2026-07-28, or the one initialize negotiated
  learnt_at        TEXT,             -- when the era was learnt (ISO 8601); NULL while it is unknown
  last_error       TEXT,             -- why the last probe settled nothing (503, timeout, 401, ...)
  last_error_at    TEXT
);
