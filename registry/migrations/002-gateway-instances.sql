-- Running gateways report here what only they know (listeners, the snapshot they serve, the last
-- reload error), so `agate status` can answer from the registry alone. Not config: no version bump.

CREATE TABLE gateway_instances (
  id                INTEGER PRIMARY KEY,     -- the process id
  host              TEXT NOT NULL,
  started_at        TEXT NOT NULL,
  heartbeat_at      TEXT NOT NULL,
  listeners         TEXT NOT NULL,           -- JSON: [{ name, url }]
  snapshot_version  INTEGER,
  last_reload_at    TEXT,
  last_reload_error TEXT
);
