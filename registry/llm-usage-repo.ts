import type { Db } from './db.js';

/** The dimensions a usage row is counted under. */
export interface LlmUsageKey {
  /** '' when the request was not authenticated. */
  consumer: string;
  route: string;
  provider: string;
  /** Upstream model, after mapping. */
  model: string;
}

/** Sums for one key in one hour bucket. */
export interface LlmUsageCounts {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  latencyMsSum: number;
  ttftMsSum: number;
  ttftCount: number;
}

/** One stored row. */
export type LlmUsageRow = LlmUsageKey & LlmUsageCounts & { hour: string };

/** A filter for {@link LlmUsageRepo.query}. */
export interface LlmUsageQuery {
  consumer?: string;
  /** ISO time; rows from the hour containing it onwards. */
  since?: string;
  /** At most this many rows (the newest hours first). */
  limit?: number;
}

/** The hour bucket ('YYYY-MM-DDTHH:00:00Z') containing `at`. */
export function usageHour(at: Date): string {
  return at.toISOString().slice(0, 13) + ':00:00Z';
}

/** Token and latency counters per hour, consumer, route, provider and model. Data, not config: no version bump. */
export class LlmUsageRepo {
  private readonly addStmt;

  constructor(private readonly db: Db) {
    this.addStmt = db.prepare(
      `INSERT INTO llm_usage (hour, consumer, route, provider, model, requests, errors, prompt_tokens, completion_tokens,
         cached_tokens, reasoning_tokens, latency_ms_sum, ttft_ms_sum, ttft_count)
       VALUES (@hour, @consumer, @route, @provider, @model, @requests, @errors, @promptTokens, @completionTokens,
         @cachedTokens, @reasoningTokens, @latencyMsSum, @ttftMsSum, @ttftCount)
       ON CONFLICT (hour, consumer, route, provider, model) DO UPDATE SET
         requests = requests + excluded.requests, errors = errors + excluded.errors,
         prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
         cached_tokens = cached_tokens + excluded.cached_tokens, reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
         latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum, ttft_ms_sum = ttft_ms_sum + excluded.ttft_ms_sum,
         ttft_count = ttft_count + excluded.ttft_count`,
    );
  }

  /** Adds a batch of rows in one transaction (the gateway flushes its in-memory sums this way). */
  add(rows: readonly LlmUsageRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const row of rows) this.addStmt.run(row);
    }).immediate();
  }

  /** Rows matching `q`, newest hour first. */
  query(q: LlmUsageQuery = {}): LlmUsageRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.consumer !== undefined) {
      where.push('consumer = ?');
      args.push(q.consumer);
    }
    if (q.since !== undefined) {
      where.push('hour >= ?');
      args.push(usageHour(new Date(q.since)));
    }
    const sql = `SELECT hour, consumer, route, provider, model, requests, errors, prompt_tokens AS promptTokens,
        completion_tokens AS completionTokens, cached_tokens AS cachedTokens, reasoning_tokens AS reasoningTokens,
        latency_ms_sum AS latencyMsSum, ttft_ms_sum AS ttftMsSum, ttft_count AS ttftCount
      FROM llm_usage ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY hour DESC, consumer, route, provider, model${q.limit !== undefined ? ' LIMIT ?' : ''}`;
    if (q.limit !== undefined) args.push(q.limit);
    return this.db.prepare(sql).all(...args) as LlmUsageRow[];
  }
}
