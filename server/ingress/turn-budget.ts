import { performance } from 'node:perf_hooks';

const MAX_BATCH = 1024;

/**
 * Bounds how long one event-loop turn spends starting new requests. Node runs every ready socket's callbacks
 * in one poll phase: with a thousand busy clients a single turn can run for hundreds of milliseconds, and every
 * timer (deadlines, keep-alive frames, health probes) waits behind it. Requests that arrive once this turn has
 * spent its budget are queued and started from later turns, a budget's worth at a time, oldest first, so the
 * loop keeps turning under overload and clients are served in arrival order.
 */
export class TurnBudget {
  private readonly queue: Array<() => void> = [];
  private turnStartedAt = -1;
  private drainScheduled = false;
  /** Requests started per drain, adapted to the turn length. */
  private batch = 16;
  private lastDrainAt = -1;

  constructor(private readonly budgetMs: number) {}

  /** Runs `start` now if this turn still has budget (and nothing is queued before it), else queues it. */
  run(start: () => void): void {
    if (this.queue.length === 0 && this.withinBudget()) return start();
    this.queue.push(start);
    this.scheduleDrain();
  }

  /** Requests waiting for a later turn. */
  get waiting(): number {
    return this.queue.length;
  }

  private withinBudget(): boolean {
    const now = performance.now();
    if (this.turnStartedAt < 0) {
      this.turnStartedAt = now;
      // A new turn starts after this one's I/O callbacks: setImmediate marks the end of the poll phase.
      setImmediate(() => {
        this.turnStartedAt = -1;
      });
    }
    return now - this.turnStartedAt < this.budgetMs;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // Queued from the poll phase, this runs in this turn's check phase; from the check phase, in the next turn's.
    setImmediate(() => this.drain());
  }

  /**
   * Starts the next batch of queued requests. Their work runs in the microtasks after this callback, where it
   * cannot be timed one by one, so the batch size follows the measured turn length instead (additive increase,
   * halved when a turn ran over the budget).
   */
  private drain(): void {
    this.drainScheduled = false;
    const now = performance.now();
    if (this.lastDrainAt >= 0) {
      const turn = now - this.lastDrainAt;
      this.batch = turn > this.budgetMs * 2 ? Math.max(1, this.batch >> 1) : Math.min(MAX_BATCH, this.batch + 2);
    }
    this.lastDrainAt = now;
    for (let i = 0; i < this.batch && this.queue.length > 0; i++) this.queue.shift()!();
    if (this.queue.length > 0) this.scheduleDrain();
    else this.lastDrainAt = -1;
  }
}
