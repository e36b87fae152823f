/**
 * The primary's workers: forks them, restarts one that dies (with backoff, logged), asks them questions over
 * IPC and drains them all on shutdown.
 *
 * Why node:cluster and not SO_REUSEPORT: Node 20's `net` cannot set SO_REUSEPORT (the `reusePort` listen option
 * arrived in Node 22.12), and the kernel's reuseport hash spreads connections by 4-tuple, so a few long-lived
 * keep-alive or SSE connections can pile onto one worker, and connections queued on a dying worker's socket are
 * reset. node:cluster's round-robin keeps the one listening socket in the primary: a crashed worker never
 * closes the port (no refused connections while it is replaced) and new connections go to the workers in turn.
 * The cost is one handle pass per connection, not per request.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../observability/logger.js';
import type { AccessEntry } from '../observability/access-feed.js';
import { isAgateMessage, type ToPrimary, type ToWorker } from './messages.js';

/** What a {@link WorkerSupervisor} runs. */
export interface SupervisorOptions {
  /** How many workers. */
  readonly count: number;
  readonly log: Logger;
  /** How long a worker may take to drain on shutdown before it is killed, ms. */
  readonly drainMs: number;
  /** Called with every access-log line a worker forwards (only while the feed is on). */
  readonly onAccess: (entry: AccessEntry) => void;
  /** Called when a worker process has exited (its registry row is stale from now on). */
  readonly onExit?: (pid: number) => void;
  /** Called when a dead worker is scheduled for replacement. */
  readonly onRestart?: () => void;
  /** Restart delays: the first, doubled on each quick crash up to the cap, ms (defaults 250 and 10,000). */
  readonly backoff?: { firstMs: number; maxMs: number };
}

/** One worker place: its current process (undefined while a replacement waits) and its history. */
interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  ready: boolean;
  startedAt: number;
  restarts: number;
  /** Crashes in a row of workers that did not live long; sets the next restart delay. */
  quickCrashes: number;
  timer?: NodeJS.Timeout;
}

/** A worker as `/status` and `agate status` show it. */
export interface WorkerInfo {
  index: number;
  pid: number | undefined;
  ready: boolean;
  startedAt: string;
  restarts: number;
}

/** A worker that lives this long has recovered: its next crash restarts it after the first delay again. */
const HEALTHY_AFTER_MS = 30_000;

/** Forks and keeps `count` workers. */
export class WorkerSupervisor {
  private readonly slots: Slot[];
  private stopping = false;
  private feedOn = false;
  private nextId = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();
  private dataPlaneUrl: string | undefined;

  constructor(private readonly o: SupervisorOptions) {
    this.slots = Array.from({ length: o.count }, (_, index) => ({ index, worker: undefined, ready: false, startedAt: 0, restarts: 0, quickCrashes: 0 }));
  }

  /** Forks every worker; resolves with the shared data-plane URL once all listen, rejects if one exits first. */
  start(): Promise<string> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (this.slots.every((s) => s.ready)) resolve(this.dataPlaneUrl!);
      };
      for (const slot of this.slots) {
        this.fork(slot, settle, (why) => {
          this.stopping = true;
          reject(new Error(`worker ${slot.index + 1} exited before it was ready (${why}); its error is above`));
        });
      }
    });
  }

  /** The workers now. */
  workers(): WorkerInfo[] {
    return this.slots.map((s) => ({ index: s.index + 1, pid: s.worker?.process.pid, ready: s.ready, startedAt: new Date(s.startedAt).toISOString(), restarts: s.restarts }));
  }

  /** Whether any worker serves traffic now. */
  anyReady(): boolean {
    return this.slots.some((s) => s.ready);
  }

  /** Asks every ready worker; a worker that does not answer within `timeoutMs` is left out of the answers. */
  async ask(what: 'metrics' | 'status', timeoutMs = 2_000): Promise<Array<{ pid: number; index: number; value: unknown }>> {
    const asked = this.slots.filter((s) => s.ready && s.worker);
    const answers = await Promise.all(asked.map((s) => this.askOne(s.worker!, what, timeoutMs)));
    return asked.flatMap((s, i) => (answers[i] === undefined ? [] : [{ pid: s.worker!.process.pid!, index: s.index + 1, value: answers[i] }]));
  }

  /** Turns the workers' access-log forwarding on or off (on only while the live Traffic view has a subscriber). */
  setFeed(on: boolean): void {
    this.feedOn = on;
    for (const s of this.slots) if (s.ready) this.send(s.worker, { agate: 'feed', on });
  }

  /** SIGTERM to every worker (each drains its in-flight requests), SIGKILL to any still running after the drain time. */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = this.slots.flatMap((s) => {
      clearTimeout(s.timer);
      const w = s.worker;
      return w && w.process.exitCode === null && w.process.signalCode === null ? [w] : [];
    });
    await Promise.all(
      running.map(
        (w) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => w.process.kill('SIGKILL'), this.o.drainMs + 5_000).unref();
            w.process.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
  }

  private fork(slot: Slot, onReady: () => void, onEarlyExit?: (why: string) => void): void {
    const worker = cluster.fork({ AGATE_WORKER_INDEX: String(slot.index + 1) });
    Object.assign(slot, { worker, ready: false, startedAt: Date.now() });
    worker.on('message', (m: unknown) => {
      if (!isAgateMessage<ToPrimary>(m)) return;
      if (m.agate === 'reply') return this.pending.get(m.id)?.(m.value);
      if (m.agate === 'access') return this.o.onAccess(m.entry);
      this.dataPlaneUrl ??= m.url;
      slot.ready = true;
      if (this.feedOn) this.send(worker, { agate: 'feed', on: true });
      onReady();
    });
    worker.process.once('exit', (code, signal) => {
      const wasReady = slot.ready;
      slot.ready = false;
      if (worker.process.pid !== undefined) this.o.onExit?.(worker.process.pid);
      if (this.stopping) return;
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      if (!wasReady && onEarlyExit && slot.restarts === 0) return onEarlyExit(why);
      this.restartLater(slot, worker.process.pid, why);
    });
  }

  /** Replaces a dead worker after a delay that doubles while it keeps dying young. */
  private restartLater(slot: Slot, pid: number | undefined, why: string): void {
    const { firstMs, maxMs } = this.o.backoff ?? { firstMs: 250, maxMs: 10_000 };
    slot.quickCrashes = Date.now() - slot.startedAt >= HEALTHY_AFTER_MS ? 0 : slot.quickCrashes + 1;
    const delayMs = Math.min(firstMs * 2 ** Math.max(0, slot.quickCrashes - 1), maxMs);
    slot.worker = undefined;
    slot.restarts++;
    this.o.onRestart?.();
    this.o.log.error({ worker: slot.index + 1, pid, why, restartInMs: delayMs, restarts: slot.restarts }, 'gateway worker exited; starting a new one');
    slot.timer = setTimeout(() => {
      if (!this.stopping) this.fork(slot, () => this.o.log.info({ worker: slot.index + 1, pid: slot.worker?.process.pid }, 'gateway worker replaced'));
    }, delayMs);
  }

  private askOne(worker: Worker, what: 'metrics' | 'status', timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const done = (value: unknown) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(value);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.pending.set(id, done);
      this.send(worker, { agate: 'ask', id, what });
    });
  }

  private send(worker: Worker | undefined, m: ToWorker): void {
    if (worker?.isConnected()) worker.send(m);
  }
}
