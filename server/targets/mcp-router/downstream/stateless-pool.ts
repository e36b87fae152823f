import type { RouterSession } from '../router-session.js';

/** How many finished 2026 sessions are kept, and how long. */
export interface StatelessPoolLimits {
  /** A kept session unused this long is closed, ms. */
  readonly idleMs: number;
  /** Kept per identity (one per request that ran at once, up to this many). */
  readonly perKey: number;
  /** Kept in all. */
  readonly total: number;
}

interface Kept {
  readonly session: RouterSession;
  readonly timer: NodeJS.Timeout;
}

/**
 * Router sessions that finished a 2026-07-28 request, kept a short while for the same identity's next request,
 * so that it reuses the member sessions (a 2025 remote or stdio member's `initialize`) instead of opening them
 * again. The key names everything a session's answers depend on (the compiled server, the consumer and its
 * groups, the capabilities declared upstream, the log level), and the caller only keys named consumers:
 * anonymous requests cannot be told apart, so they never share a session. A kept session serves one request at
 * a time. Nothing here is needed for correctness: a replica without the session opens a new one.
 */
export class StatelessSessionPool {
  private readonly kept = new Map<string, Kept[]>();
  private size = 0;

  constructor(private readonly limits: StatelessPoolLimits) {}

  /** A kept session for `key`, taken out of the pool (the caller gives it back or closes it). */
  take(key: string): RouterSession | undefined {
    const list = this.kept.get(key);
    const entry = list?.pop();
    if (!entry) return undefined;
    if (list!.length === 0) this.kept.delete(key);
    clearTimeout(entry.timer);
    this.size--;
    return entry.session;
  }

  /** Keeps `session` for `key`, or closes it when the pool is full. */
  give(key: string, session: RouterSession): void {
    const list = this.kept.get(key) ?? [];
    if (list.length >= this.limits.perKey || this.size >= this.limits.total) {
      void session.close();
      return;
    }
    const entry: Kept = { session, timer: setTimeout(() => this.expire(key, entry), this.limits.idleMs) };
    entry.timer.unref();
    list.push(entry);
    this.kept.set(key, list);
    this.size++;
  }

  /** How many sessions are kept (tests, status). */
  get count(): number {
    return this.size;
  }

  /** Closes every kept session (gateway shutdown). */
  async close(): Promise<void> {
    const all = [...this.kept.values()].flat();
    this.kept.clear();
    this.size = 0;
    for (const e of all) clearTimeout(e.timer);
    await Promise.all(all.map((e) => e.session.close()));
  }

  private expire(key: string, entry: Kept): void {
    const list = this.kept.get(key);
    const at = list?.indexOf(entry) ?? -1;
    if (at === -1) return;
    list!.splice(at, 1);
    if (list!.length === 0) this.kept.delete(key);
    this.size--;
    void entry.session.close();
  }
}
