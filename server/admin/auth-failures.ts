/** How many failed admin logins one client address may make per window. */
export interface AuthFailurePolicy {
  /** Failures allowed per window; the next request from that address is refused until the window ends. */
  max: number;
  windowMs: number;
}

/** The default: brute force against a 192-bit token is hopeless anyway; this bounds log noise and hashing work. */
export const DEFAULT_AUTH_FAILURE_POLICY: AuthFailurePolicy = Object.freeze({ max: 20, windowMs: 60_000 });

// Addresses tracked at once: beyond this, expired windows are dropped, then the oldest ones.
const MAX_TRACKED = 10_000;

/** Failed admin authentications per client address over a fixed window. */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly policy: AuthFailurePolicy = DEFAULT_AUTH_FAILURE_POLICY) {}

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const w = this.windows.get(address);
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.policy.max ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  /** Counts one failure from `address`. */
  fail(address: string, now = Date.now()): void {
    const w = this.windows.get(address);
    if (w && w.resetAt > now) w.count++;
    else {
      this.windows.delete(address);
      this.windows.set(address, { count: 1, resetAt: now + this.policy.windowMs });
      if (this.windows.size > MAX_TRACKED) this.prune(now);
    }
  }

  /** Forgets `address` after a successful authentication. */
  succeed(address: string): void {
    this.windows.delete(address);
  }

  private prune(now: number): void {
    for (const [address, w] of this.windows) if (w.resetAt <= now) this.windows.delete(address);
    // Still full: drop the oldest windows (Map keeps insertion order).
    for (const address of this.windows.keys()) {
      if (this.windows.size <= MAX_TRACKED) break;
      this.windows.delete(address);
    }
  }
}
