/** A request waiting for a place. */
interface Waiter {
  readonly admit: (release: () => void) => void;
  readonly refuse: (err: Error) => void;
}

/** A request in line: admitted in its turn, or taken out of the line. */
export interface InLine {
  /** Resolves with the release function once the request may go. */
  readonly admitted: Promise<() => void>;
  /** Takes the request out of the line (if it is still waiting): `admitted` rejects with `reason`. */
  abandon(reason: Error): void;
}

/**
 * At most `limit` requests in flight to one server, over all its sessions (0: no limit); the others wait in
 * arrival order. A place is given back once, by the release function a request was admitted with.
 */
export class RequestGate {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private limit: number) {}

  /**
   * A new limit (this replica's share changed): a higher one admits waiting requests at once; a lower one lets
   * requests in flight finish and admits no more until they are under it.
   */
  setLimit(limit: number): void {
    this.limit = limit;
    while (this.waiting.length > 0 && (limit === 0 || this.active < limit)) {
      this.active++;
      this.waiting.shift()!.admit(this.releaser());
    }
  }

  /** Requests in flight and requests waiting (diagnostics, tests). */
  get load(): { readonly active: number; readonly waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** A release function at once if there is room and nobody waits, else undefined (then `line()`). */
  tryEnter(): (() => void) | undefined {
    if (this.limit > 0 && (this.active >= this.limit || this.waiting.length > 0)) return undefined;
    this.active++;
    return this.releaser();
  }

  /** Joins the line. */
  line(): InLine {
    let waiter!: Waiter;
    const admitted = new Promise<() => void>((admit, refuse) => (waiter = { admit, refuse }));
    this.waiting.push(waiter);
    return {
      admitted,
      abandon: (reason) => {
        const at = this.waiting.indexOf(waiter);
        if (at === -1) return;
        this.waiting.splice(at, 1);
        waiter.refuse(reason);
      },
    };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Over a lowered limit, a place given back is not handed on.
      const next = this.limit === 0 || this.active <= this.limit ? this.waiting.shift() : undefined;
      if (next) next.admit(this.releaser());
      else this.active--;
    };
  }
}
