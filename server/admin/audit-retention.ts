import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../observability/logger.js';
import type { AuditRetention, Registry } from '../../registry/index.js';

/** The default policy: a year of history, at most a million rows. */
export const DEFAULT_AUDIT_RETENTION: AuditRetention = Object.freeze({ days: 365, rows: 1_000_000 });

/** How often the gateway prunes the audit log (also once right after start). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Prunes the audit log to `policy` now and then every hour, off the request path: small batches (one short
 * write each) with a turn of the event loop between them, so requests and other writers never wait long.
 * Returns a function that stops it.
 */
export function startAuditPruning(registry: Registry, policy: AuditRetention, log: Logger): () => void {
  if (!policy.days && !policy.rows) return () => {};
  let stopped = false;
  let running = false;
  const run = async () => {
    if (running || stopped) return;
    running = true;
    let total = 0;
    try {
      for (let n = registry.audit.pruneBatch(policy); n > 0 && !stopped; n = registry.audit.pruneBatch(policy)) {
        total += n;
        await yieldToLoop();
      }
      if (total) log.info({ pruned: total, retention: policy }, 'audit log pruned');
    } catch (err) {
      // A busy or closed registry: try again at the next tick rather than failing the gateway.
      if (!stopped) log.warn({ err }, 'audit log pruning failed');
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 0);
  const timer = setInterval(run, PRUNE_EVERY_MS);
  first.unref();
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
  };
}
