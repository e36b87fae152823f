import type { GatewayContext } from '../../pipeline/index.js';
import type { ProxyTarget } from './upstream-balancer.js';
import type { OutlierPolicy, RetryBudget, TargetState } from './target-state.js';

/** One target of a pool with its long-lived state. */
export interface PoolMember {
  readonly target: ProxyTarget;
  readonly state: TargetState;
}

/** How a pool chooses among its available members; undefined when none is available. */
export type BalancePolicy = (members: readonly PoolMember[], ctx: GatewayContext, now: number) => PoolMember | undefined;

/** What a pick returns: the member and the pool it belongs to (the fallback's, when the primary is down). */
export interface Pick {
  readonly pool: UpstreamPool;
  readonly member: PoolMember;
}

/** What a pool is built from (once per snapshot). */
export interface PoolSpec {
  /** The upstream's name. */
  readonly name: string;
  readonly members: readonly PoolMember[];
  /** How a member is chosen. */
  readonly policy: BalancePolicy;
  /** When a failing member is ejected; undefined: never. */
  readonly outlier: OutlierPolicy | undefined;
  /** The upstream's retry budget (shared across snapshots). */
  readonly budget: RetryBudget;
}

/**
 * An upstream compiled into a snapshot: its members (state shared across snapshots), a balancing policy,
 * the outlier policy, the retry budget and an ordered list of fallback pools.
 */
export class UpstreamPool {
  /** Set after every pool of the snapshot exists (fallbacks may refer forward). */
  fallback: readonly UpstreamPool[] = [];

  readonly name: string;
  readonly members: readonly PoolMember[];
  readonly outlier: OutlierPolicy | undefined;
  readonly budget: RetryBudget;
  private readonly policy: BalancePolicy;

  constructor(spec: PoolSpec) {
    this.name = spec.name;
    this.members = spec.members;
    this.policy = spec.policy;
    this.outlier = spec.outlier;
    this.budget = spec.budget;
  }

  /** A member of this pool, else of the first fallback that has one; fallbacks' own fallbacks are not followed. */
  pick(ctx: GatewayContext, now: number): Pick | undefined {
    const member = this.policy(this.members, ctx, now);
    if (member) return { pool: this, member };
    for (const fb of this.fallback) {
      const m = fb.policy(fb.members, ctx, now);
      if (m) return { pool: fb, member: m };
    }
    return undefined;
  }

  /** Records a failure of `member`, ejecting it when the outlier policy says so and the ejection cap allows. */
  fail(member: PoolMember, now: number): void {
    member.state.fail(now, this.outlier, () => this.mayEject());
  }

  private mayEject(): boolean {
    let ejected = 0;
    for (const m of this.members) if (m.state.ejected) ejected++;
    // Envoy's rule: one target can always be ejected, more only within the cap.
    return ejected === 0 || ((ejected + 1) * 100) / this.members.length <= this.outlier!.maxEjectedPercent;
  }
}
