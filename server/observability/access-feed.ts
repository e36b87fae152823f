/** One access-log line as the observability filter writes it (see server/filters/observability.ts). */
export type AccessEntry = Readonly<Record<string, unknown>>;

/**
 * Fan-out of access-log lines to in-process subscribers (the admin listener's live Traffic feed). Publishing is
 * a loop over a Set and costs nothing without subscribers; a subscriber must not block (it buffers and drops).
 * `onActive` hears when the feed gains its first subscriber (true) and loses its last (false): a `--workers`
 * primary turns its workers' forwarding on only while someone watches.
 */
export class AccessFeed {
  private readonly subscribers = new Set<(entry: AccessEntry) => void>();

  constructor(private readonly onActive?: (on: boolean) => void) {}

  /** Whether anyone listens (the filter skips building nothing extra, but callers may check). */
  get active(): boolean {
    return this.subscribers.size > 0;
  }

  /** Sends `entry` to every subscriber; one that throws is dropped, never the request. */
  publish(entry: AccessEntry): void {
    for (const s of this.subscribers) {
      try {
        s(entry);
      } catch {
        this.remove(s);
      }
    }
  }

  /** Starts delivering entries to `fn`; returns the unsubscribe function. */
  subscribe(fn: (entry: AccessEntry) => void): () => void {
    this.subscribers.add(fn);
    if (this.subscribers.size === 1) this.onActive?.(true);
    return () => this.remove(fn);
  }

  private remove(fn: (entry: AccessEntry) => void): void {
    if (this.subscribers.delete(fn) && this.subscribers.size === 0) this.onActive?.(false);
  }
}
