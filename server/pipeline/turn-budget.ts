import { performance } from 'node:perf_hooks';

const MAX_BATCH = 1024;

/**
 * Bounds how long one event-loop turn spends on work that can wait: starting new requests, and finishing work
 * in flight (answers read from upstreams). Node runs every ready socket's callbacks in one poll phase: with a
 * thousand busy clients a single turn can run for hundreds of milliseconds, and every timer (deadlines,
 * keep-alive frames, health probes) waits behind it. Work that arrives once this turn has spent its budget is
 * queued and run from later turns, a budget's worth at a time, so the loop keeps turning under overload.
 * Finishing goes before starting (a request already admitted holds resources and a client waiting on it);
 * within each, oldest first, so clients are served in arrival order.
 */
export class TurnBudget {
  private readonly finishing: Array<() => void> = [];
  private readonly starting: Array<() => void> = [];
  private turnStartedAt = -1;
  private drainScheduled = false;
  /** Requests started per drain, adapted to the turn length. */
  private batch = 16;
  private lastDrainAt = -1;

  constructor(private readonly budgetMs: number) {}

  /** Runs `start` (new work) now if this turn still has budget and nothing waits, else queues it. */
  run(start: () => void): void {
    if (this.waiting === 0 && this.withinBudget()) return start();
    this.starting.push(start);
    this.scheduleDrain();
  }

  /** Runs `finish` (the end of work in flight) now if this turn still has budget, else queues it ahead of new work. */
  finish(finish: () => void): void {
    if (this.finishing.length === 0 && this.withinBudget()) return finish();
    this.finishing.push(finish);
    this.scheduleDrain();
  }

  /** Work waiting for a later turn. */
  get waiting(): number {
    return this.finishing.length + this.starting.length;
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
    for (let i = 0; i < this.batch && this.waiting > 0; i++) (this.finishing.shift() ?? this.starting.shift())!();
    if (this.waiting > 0) this.scheduleDrain();
    else this.lastDrainAt = -1;
  }
}
