-- The registry's first shape: every entity the gateway serves, the audit log, and a config version
-- that every change bumps (triggers), so a running gateway sees commits from any process.

CREATE TABLE config_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

CREATE TABLE upstreams (
  name       TEXT PRIMARY KEY,
  spec       TEXT NOT NULL,          -- JSON (upstream.schema.json) without the targets
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE upstream_targets (
  upstream TEXT NOT NULL REFERENCES upstreams(name) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  url      TEXT NOT NULL,
  weight   INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 0),
  PRIMARY KEY (upstream, position)
);

CREATE TABLE routes (
  name         TEXT PRIMARY KEY,
  spec         TEXT NOT NULL,        -- JSON (route.schema.json)
  upstream_ref TEXT REFERENCES upstreams(name) ON DELETE RESTRICT,  -- set when spec.upstream names an upstream
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE consumers (
  name       TEXT PRIMARY KEY,
  spec       TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE consumer_keys (
  id         INTEGER PRIMARY KEY,
  consumer   TEXT NOT NULL REFERENCES consumers(name) ON DELETE CASCADE,
  key_hash   TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the key; the key itself is shown once and never stored
  key_prefix TEXT NOT NULL,          -- first characters, so an operator can tell keys apart
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE secrets (
  name       TEXT PRIMARY KEY,
  nonce      BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  tag        BLOB NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE mcp_servers (
  name       TEXT PRIMARY KEY,
  spec       TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE llm_providers (
  name       TEXT PRIMARY KEY,
  spec       TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  interface TEXT NOT NULL,           -- cli | admin-api | seed
  action    TEXT NOT NULL,           -- create | update | delete
  entity    TEXT NOT NULL,
  name      TEXT NOT NULL,
  detail    TEXT                     -- JSON, secrets masked
);

-- Any committed change to config tables bumps the version; the gateway polls this one row.
CREATE TRIGGER upstreams_ai AFTER INSERT ON upstreams BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER upstreams_au AFTER UPDATE ON upstreams BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER upstreams_ad AFTER DELETE ON upstreams BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER upstream_targets_ai AFTER INSERT ON upstream_targets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER upstream_targets_au AFTER UPDATE ON upstream_targets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER upstream_targets_ad AFTER DELETE ON upstream_targets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER routes_ai AFTER INSERT ON routes BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER routes_au AFTER UPDATE ON routes BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER routes_ad AFTER DELETE ON routes BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER consumers_ai AFTER INSERT ON consumers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER consumers_au AFTER UPDATE ON consumers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER consumers_ad AFTER DELETE ON consumers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER consumer_keys_ai AFTER INSERT ON consumer_keys BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER consumer_keys_ad AFTER DELETE ON consumer_keys BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER secrets_ai AFTER INSERT ON secrets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER secrets_au AFTER UPDATE ON secrets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER secrets_ad AFTER DELETE ON secrets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER mcp_servers_ai AFTER INSERT ON mcp_servers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER mcp_servers_au AFTER UPDATE ON mcp_servers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER mcp_servers_ad AFTER DELETE ON mcp_servers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER llm_providers_ai AFTER INSERT ON llm_providers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER llm_providers_au AFTER UPDATE ON llm_providers BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER llm_providers_ad AFTER DELETE ON llm_providers BEGIN UPDATE config_version SET version = version + 1; END;
