import { usageHour, type LlmUsageRow, type Registry } from '../../../../registry/index.js';
import { periodAt, type BudgetPeriod } from '../../../rate-limit/index.js';

/** Which recorded usage a budget counter counts, and how a row turns into its unit. */
export interface SeedQuery {
  readonly period: BudgetPeriod;
  readonly route: string;
  /** The consumer ('' for anonymous callers); undefined for a budget of the whole route. */
  readonly consumer: string | undefined;
  /** A row's amount in the budget's unit (its tokens, or its cost at the provider's price). */
  readonly amountOf: (row: LlmUsageRow) => number;
}

/**
 * The in-process quota store starts empty, so without help a restart would hand every consumer a fresh budget.
 * This seeds each budget counter, once per period, with the usage the registry had recorded when the gateway
 * started (hourly rows from the start of the month, read once). Rows this process writes later are not read:
 * its own calls are in its counters already. With Redis the counters outlive a replica and nothing is seeded.
 */
export class BudgetSeed {
  private readonly rows: readonly LlmUsageRow[];
  private readonly seeded = new Set<string>();

  constructor(registry: Registry, now = Date.now()) {
    this.rows = registry.llmUsage.query({ since: usageHour(new Date(periodAt('month', now).start)) });
  }

  /** What counter `key` had spent in the current period before this process started; 0 after its first call. */
  take(key: string, q: SeedQuery, now = Date.now()): { amount: number; periodId: string } {
    const window = periodAt(q.period, now);
    const id = `${key}\0${window.id}`;
    if (this.seeded.has(id)) return { amount: 0, periodId: window.id };
    this.seeded.add(id);
    let amount = 0;
    for (const row of this.rows) {
      if (row.route !== q.route || (q.consumer !== undefined && row.consumer !== q.consumer)) continue;
      if (Date.parse(row.hour) >= window.start) amount += q.amountOf(row);
    }
    return { amount, periodId: window.id };
  }
}
