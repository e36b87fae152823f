-- What only a running gateway knows about its backends: MCP backends' states (starting, ready, down,
-- crash-looping) and HTTP targets ejected by outlier detection or failing active health checks, so
-- `agate status` can show them. Rewritten on each heartbeat and soon after a change. Not config: no version bump.

ALTER TABLE gateway_instances ADD COLUMN backend_health TEXT;  -- JSON: { mcp: [...], http: [...] }; NULL before this version
