/** Limits of an {@link InOrder} writer. */
export interface InOrderLimits {
  /** Items held back behind a missing one; one more and the writer stops waiting for it. */
  readonly maxWaiting: number;
  /** How long a missing item is waited for, ms. */
  readonly gapMs: number;
}

const DEFAULT_LIMITS: InOrderLimits = { maxWaiting: 256, gapMs: 500 };

/**
 * Writes numbered items (1, 2, 3, …) in their numbers' order, whatever order they arrive in: the events of a legacy
 * SSE session come from every replica serving it, each after its own Redis round trip, and the numbers are the
 * order Redis appended them in. An item that does not show up (its append timed out on our side, a pub/sub message
 * lost in a reconnect) is waited for a bounded time and number of items, then passed over; should it come later
 * it is written then, late rather than never.
 */
export class InOrder<T> {
  private next = 1;
  private readonly waiting = new Map<number, T>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (item: T) => void,
    private readonly limits: InOrderLimits = DEFAULT_LIMITS,
  ) {}

  /** Item number `seq`: written now if it is the next one, else once those before it are (or are given up on). */
  accept(seq: number, item: T): void {
    if (seq < this.next) return this.write(item);
    this.waiting.set(seq, item);
    this.flush();
    if (this.waiting.size > this.limits.maxWaiting) this.passGap();
    else if (this.waiting.size > 0) this.timer ??= setTimeout(() => this.passGap(), this.limits.gapMs).unref();
  }

  /** Stops waiting (the stream is over). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private flush(): void {
    while (this.waiting.has(this.next)) {
      const item = this.waiting.get(this.next) as T;
      this.waiting.delete(this.next++);
      this.write(item);
    }
    if (this.waiting.size === 0) this.close();
  }

  /** Gives up on the missing items before the first one waiting. */
  private passGap(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.size === 0) return;
    this.next = Math.min(...this.waiting.keys());
    this.flush();
    if (this.waiting.size > 0) this.timer = setTimeout(() => this.passGap(), this.limits.gapMs).unref();
  }
}
