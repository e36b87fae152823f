import type { Logger } from 'pino';
import type { McpMemberEra, Registry } from '../../../../registry/index.js';
import type { EraStore } from './member-eras.js';

/** Delay before retrying writes that met another process's lock, ms. */
const RETRY_MS = 250;

/**
 * Members' eras in the registry's `mcp_member_eras` (no config version bump: no reload follows). Writes are queued
 * and flushed on a later turn with `tryWrite` (never sleeping in SQLite's busy handler on the event loop, design
 * §9); a held lock keeps them queued for a retry. The latest write per server wins.
 */
export function registryEraStore(registry: Registry, log: Logger): EraStore & { close(): void } {
  const due = new Map<string, McpMemberEra | null>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const flush = (): void => {
    timer = undefined;
    if (closed || due.size === 0) return;
    const batch = [...due];
    const attempt = registry.tryWrite(() => write(registry, batch));
    if (attempt.ok) {
      // What was queued again meanwhile stays due.
      for (const [server, era] of batch) if (due.get(server) === era) due.delete(server);
      return;
    }
    if (!attempt.busy) log.warn({ err: attempt.error }, 'could not record mcp member eras in the registry');
    else timer = setTimeout(flush, RETRY_MS).unref();
  };
  const queue = (server: string, era: McpMemberEra | null): void => {
    due.set(server, era);
    timer ??= setTimeout(flush, 0).unref();
  };
  return {
    load: () => registry.memberEras.list(),
    save: (era) => queue(era.server, era),
    forget: (server) => queue(server, null),
    close: () => {
      // A last flush at shutdown, waiting for the lock if it must (nothing is served any more).
      if (due.size) registry.tryWrite(() => write(registry, [...due]), { wait: true });
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** One transaction: each server's latest era saved, or its record forgotten (null). */
function write(registry: Registry, batch: ReadonlyArray<readonly [string, McpMemberEra | null]>): void {
  registry.transaction(() => {
    for (const [server, era] of batch) {
      if (era) registry.memberEras.save(era);
      else registry.memberEras.forget(server);
    }
  });
}
