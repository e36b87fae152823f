-- LLM routing. Provider fields (key secret references, model map, base URL, timeouts, key ejection) live in
-- llm_providers.spec as JSON validated by llm-provider.schema.json, so extending providers needs no column.
-- Routes are config (they bump the version); usage is data the gateway writes (it never bumps the version).

CREATE TABLE llm_routes (
  name       TEXT PRIMARY KEY,
  spec       TEXT NOT NULL,          -- JSON (llm-route.schema.json)
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TRIGGER llm_routes_ai AFTER INSERT ON llm_routes BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER llm_routes_au AFTER UPDATE ON llm_routes BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER llm_routes_ad AFTER DELETE ON llm_routes BEGIN UPDATE config_version SET version = version + 1; END;

-- One row per hour bucket and (consumer, route, provider, model); the gateway adds to it in batches.
-- Sums, not averages, so rows from several gateways (or flushes) add up exactly.
CREATE TABLE llm_usage (
  hour               TEXT NOT NULL,              -- 'YYYY-MM-DDTHH:00:00Z'
  consumer           TEXT NOT NULL DEFAULT '',   -- '' when the route needs no authentication
  route              TEXT NOT NULL,
  provider           TEXT NOT NULL,
  model              TEXT NOT NULL,              -- the upstream model, after mapping
  requests           INTEGER NOT NULL DEFAULT 0,
  errors             INTEGER NOT NULL DEFAULT 0,
  prompt_tokens      INTEGER NOT NULL DEFAULT 0,
  completion_tokens  INTEGER NOT NULL DEFAULT 0,
  cached_tokens      INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
  latency_ms_sum     REAL NOT NULL DEFAULT 0,
  ttft_ms_sum        REAL NOT NULL DEFAULT 0,
  ttft_count         INTEGER NOT NULL DEFAULT 0,  -- streamed requests, the divisor for ttft_ms_sum
  PRIMARY KEY (hour, consumer, route, provider, model)
);
CREATE INDEX llm_usage_consumer ON llm_usage (consumer, hour);
