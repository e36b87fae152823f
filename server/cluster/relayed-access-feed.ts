import { AccessFeed, type AccessEntry } from '../observability/access-feed.js';

/**
 * The primary's access feed: its lines come from the workers over IPC, and they send them only while someone
 * watches (`onActive(true)` on the first subscriber, `false` when the last one goes), so an unwatched cluster
 * pays no IPC per request.
 */
export class RelayedAccessFeed extends AccessFeed {
  constructor(private readonly onActive: (on: boolean) => void) {
    super();
  }

  override subscribe(fn: (entry: AccessEntry) => void): () => void {
    const first = !this.active;
    const unsubscribe = super.subscribe(fn);
    if (first) this.onActive(true);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      if (!this.active) this.onActive(false);
    };
  }

  override publish(entry: AccessEntry): void {
    const before = this.active;
    super.publish(entry);
    // A subscriber that threw was dropped by publish.
    if (before && !this.active) this.onActive(false);
  }
}
