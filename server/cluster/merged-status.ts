import type { BackendHealthReport } from '../../registry/index.js';

/** What a worker answers about itself: a single gateway's `/status` plus its request counts. */
type WorkerAnswer = Partial<{
  snapshotVersion: number | null;
  lastReloadAt: string | null;
  lastReloadError: string | null;
  stats: Record<string, unknown>;
  backendHealth: BackendHealthReport;
}>;

const HEALTHY = new Set(['ready', 'stopped', 'healthy']);

/**
 * The fields a single gateway's `/status` has (the console reads them), for the cluster as a whole: the oldest
 * snapshot any worker serves, the latest reload, a reload error if any worker has one, and each backend in its
 * worst state across the workers (each worker supervises its own).
 */
export function mergedStatus(answers: readonly WorkerAnswer[]): Record<string, unknown> {
  const versions = answers.map((a) => a.snapshotVersion).filter((v): v is number => typeof v === 'number');
  const reloads = answers.map((a) => a.lastReloadAt).filter((t): t is string => typeof t === 'string').sort();
  const health = answers.map((a) => a.backendHealth).filter((h): h is BackendHealthReport => h !== undefined);
  return {
    snapshotVersion: versions.length ? Math.min(...versions) : null,
    lastReloadAt: reloads.at(-1) ?? null,
    lastReloadError: answers.find((a) => a.lastReloadError)?.lastReloadError ?? null,
    stats: answers[0]?.stats ?? {},
    backendHealth: {
      mcp: worstOf(health.flatMap((h) => h.mcp), (b) => `${b.server}`),
      http: worstOf(health.flatMap((h) => h.http), (t) => `${t.upstream} ${t.url}`),
      ...(health[0]?.redis && { redis: health[0].redis }),
    },
  };
}

/** One entry per key: the first unhealthy one seen, else the first. */
function worstOf<T extends { state: string }>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const held = byKey.get(key(item));
    if (!held || (HEALTHY.has(held.state) && !HEALTHY.has(item.state))) byKey.set(key(item), item);
  }
  return [...byKey.values()];
}
