/** A budget's period: a calendar day or month in UTC (not a rolling window: it resets at 00:00 UTC). */
export type BudgetPeriod = 'day' | 'month';

/** What a budget counter admits: up to `limit` units per calendar `period`. */
export interface PeriodRule {
  readonly limit: number;
  readonly period: BudgetPeriod;
}

/** One calendar period: its id (`2026-12-07`, `2026-12`), start and end in epoch milliseconds. */
export interface PeriodWindow {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The UTC period containing `now`. The Redis store computes the same from Redis's clock in Lua (PERIOD in
 * redis-store.ts); both count days since the epoch, so a day is exactly 86,400,000 ms (no leap seconds, as in
 * JavaScript and Redis TIME).
 */
export function periodAt(period: BudgetPeriod, now: number): PeriodWindow {
  const d = new Date(now);
  if (period === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { id: new Date(start).toISOString().slice(0, 10), start, end: start + 86_400_000 };
  }
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { id: new Date(start).toISOString().slice(0, 7), start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}
