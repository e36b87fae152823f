-- `agate serve --workers N`: each worker reports its own row (its snapshot, its backends) and names the
-- primary process that forked it, so `agate status` shows one gateway with its workers. NULL: a single process
-- or the primary itself. Not config: no version bump.

ALTER TABLE gateway_instances ADD COLUMN primary_pid INTEGER;
