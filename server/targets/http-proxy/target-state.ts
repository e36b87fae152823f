/** Passive outlier ejection settings of one upstream (upstream.schema.json `outlier`). */
export interface OutlierPolicy {
  readonly consecutiveFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectedPercent: number;
}

/**
 * The live state of one upstream target: in-flight count (least-request), active health, passive
 * ejection with a half-open probe. Owned by {@link TargetStates}, so it outlives snapshot swaps.
 */
export class TargetState {
  /** Requests sent and not yet finished. */
  active = 0;
  /** Set by the active health checker; true until a probe proves otherwise. */
  healthy = true;
  consecutiveFailures = 0;
  /** 0 when not ejected; otherwise when the ejection ends and one probe request may go through. */
  ejectedUntil = 0;
  /** Ejections in a row: each one lasts longer (base × n, capped). */
  ejections = 0;
  /** A half-open probe is in flight: nobody else may use the target until it answers. */
  probing = false;

  /** Whether a request may be sent now. */
  available(now: number): boolean {
    if (!this.healthy) return false;
    if (this.ejectedUntil === 0) return true;
    return now >= this.ejectedUntil && !this.probing;
  }

  /** A request starts; the first one after an ejection is the half-open probe. */
  begin(now: number): void {
    this.active++;
    if (this.ejectedUntil !== 0 && now >= this.ejectedUntil) this.probing = true;
  }

  /** A request finished (successful or not). */
  end(): void {
    this.active--;
  }

  /** The upstream answered well: failures reset, an ejected target comes back. */
  succeed(): void {
    this.consecutiveFailures = 0;
    if (this.ejectedUntil !== 0) {
      this.ejectedUntil = 0;
      this.ejections = 0;
      this.probing = false;
    }
  }

  /** The upstream failed (connect, reset, timeout, 5xx); may eject the target. */
  fail(now: number, policy: OutlierPolicy | undefined, mayEject: () => boolean): void {
    this.consecutiveFailures++;
    if (!policy) return;
    if (this.probing) {
      // The half-open probe failed: back out, for longer.
      this.probing = false;
      this.eject(now, policy);
    } else if (this.ejectedUntil === 0 && this.consecutiveFailures >= policy.consecutiveFailures && mayEject()) {
      this.eject(now, policy);
    }
  }

  /** Whether the target is ejected (waiting or probing). */
  get ejected(): boolean {
    return this.ejectedUntil !== 0;
  }

  private eject(now: number, policy: OutlierPolicy): void {
    this.ejections++;
    this.ejectedUntil = now + Math.min(policy.baseEjectionMs * this.ejections, policy.maxEjectionMs);
    this.consecutiveFailures = 0;
  }
}

/**
 * Retries allowed within a 10 s window: `minPerSecond × 10` plus `percent` of the requests seen, so an
 * outage cannot multiply load (the Linkerd/Finagle retry budget).
 */
export class RetryBudget {
  private windowStart = 0;
  private requests = 0;
  private retries = 0;

  /** Counts a request (first tries only). */
  onRequest(now: number): void {
    this.roll(now);
    this.requests++;
  }

  /** Takes one retry from the budget if there is one left. */
  tryRetry(now: number, percent: number, minPerSecond: number): boolean {
    this.roll(now);
    if (this.retries >= minPerSecond * 10 + (this.requests * percent) / 100) return false;
    this.retries++;
    return true;
  }

  private roll(now: number): void {
    if (now - this.windowStart >= 10_000) {
      this.windowStart = now;
      this.requests = 0;
      this.retries = 0;
    }
  }
}

/** One target's state with the upstream and URL it belongs to. */
export interface KnownTarget {
  readonly upstream: string;
  readonly url: string;
  readonly state: TargetState;
}

/** Target states and retry budgets by upstream name (+ target URL), kept by the gateway across snapshots. */
export class TargetStates {
  private readonly targets = new Map<string, KnownTarget>();
  private readonly budgets = new Map<string, RetryBudget>();

  /** The state of one target, created on first use. */
  target(upstream: string, url: string): TargetState {
    const key = targetKey(upstream, url);
    let t = this.targets.get(key);
    if (!t) this.targets.set(key, (t = { upstream, url, state: new TargetState() }));
    return t.state;
  }

  /** Every target in use, for status output. */
  list(): KnownTarget[] {
    return [...this.targets.values()];
  }

  /** The retry budget of one upstream, created on first use. */
  budget(upstream: string): RetryBudget {
    let b = this.budgets.get(upstream);
    if (!b) this.budgets.set(upstream, (b = new RetryBudget()));
    return b;
  }

  /** Forgets targets and budgets no longer configured (after a snapshot compiled). */
  retain(targetKeys: ReadonlySet<string>, upstreams: ReadonlySet<string>): void {
    for (const key of this.targets.keys()) if (!targetKeys.has(key)) this.targets.delete(key);
    for (const key of this.budgets.keys()) if (!upstreams.has(key)) this.budgets.delete(key);
  }
}

/** The key a target's state is kept under: upstream name + target URL. */
export function targetKey(upstream: string, url: string): string {
  return `${upstream} ${url}`;
}
