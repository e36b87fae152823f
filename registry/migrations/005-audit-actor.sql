-- Who made an admin change, beyond the interface: "admin token" or "console session <short id>", and the client
-- address. NULL for CLI, apply and seed writes (the process owner made them) and for rows written before this.
ALTER TABLE audit_log ADD COLUMN actor TEXT;
ALTER TABLE audit_log ADD COLUMN address TEXT;
