-- The per-user token vault: upstream OAuth tokens a consumer consented to (authorization code + PKCE), one row per
-- (consumer, MCP server). access and refresh tokens are sealed together (AES-256-GCM, AAD "vault:<consumer>:<server>");
-- scope and expiry stay readable so `agate consumer tokens list` needs no key.
CREATE TABLE vault_tokens (
  consumer   TEXT NOT NULL,
  server     TEXT NOT NULL,
  nonce      BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  tag        BLOB NOT NULL,
  scope      TEXT,
  expires_at INTEGER,
  refresh_at INTEGER,
  refreshable INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (consumer, server)
);
