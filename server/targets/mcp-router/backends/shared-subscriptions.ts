/**
 * Which sessions of a shared stdio process subscribed to which resources. The process itself holds one
 * subscription per URI for all of them (stdio carries no session id), so it must hear a subscribe only from a
 * URI's first subscriber and an unsubscribe only from its last: otherwise one session's unsubscribe would end
 * another's updates. Updates then go to the URI's subscribers only.
 */
export class SharedSubscriptions<S> {
  private readonly byUri = new Map<string, Set<S>>();

  /** Records `session`'s subscription; true when it is the URI's first subscriber (the process must subscribe). */
  add(uri: string, session: S): boolean {
    const sessions = this.byUri.get(uri);
    if (sessions) {
      sessions.add(session);
      return false;
    }
    this.byUri.set(uri, new Set([session]));
    return true;
  }

  /** Forgets `session`'s subscription; true when it was the URI's last subscriber (the process must unsubscribe). */
  remove(uri: string, session: S): boolean {
    const sessions = this.byUri.get(uri);
    if (!sessions?.delete(session) || sessions.size > 0) return false;
    this.byUri.delete(uri);
    return true;
  }

  /** The sessions subscribed to `uri` (none for anything but a known URI). */
  subscribersOf(uri: unknown): Iterable<S> {
    return (typeof uri === 'string' && this.byUri.get(uri)) || [];
  }

  /** Forgets every subscription of `session`; returns the URIs no session subscribes to any more. */
  removeAll(session: S): string[] {
    const orphaned: string[] = [];
    for (const uri of [...this.byUri.keys()]) if (this.remove(uri, session)) orphaned.push(uri);
    return orphaned;
  }

  clear(): void {
    this.byUri.clear();
  }
}
