import type { Request, Response, Router } from 'express';
import { RegistryError, type Registry } from '../../registry/index.js';
import { sendRegistryError } from './admin-errors.js';

/** How far back and how many stored rows one answer may cover: a month of hours, a few thousand rows. */
const MAX_DAYS = 31;
const MAX_ROWS = 5000;

/** One point of `GET /llm-usage`: an hour's sums for one consumer and model (over routes and providers). */
export interface UsagePoint {
  hour: string;
  /** '' for unauthenticated calls. */
  consumer: string;
  model: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
}

/**
 * `GET /llm-usage?since=24h|7d|<ISO time>&consumer=<name>`: token usage per hour, consumer and model, as the
 * console's chart draws it (`agate llm usage --json` gives the same rows per route and provider too). Bounded: at
 * most 31 days back and 5,000 stored rows read, newest hours first; `truncated` says when older rows were left out.
 */
export function mountLlmUsage(router: Router, registry: Registry): void {
  router.get('/llm-usage', (req: Request, res: Response) => {
    const query = usageQuery(req.query);
    if ('problems' in query) return sendRegistryError(res, new RegistryError('validation', query.problems));
    const rows = registry.llmUsage.query({ ...query, limit: MAX_ROWS + 1 });
    const truncated = rows.length > MAX_ROWS;
    const points = new Map<string, UsagePoint>();
    for (const r of rows.slice(0, MAX_ROWS)) {
      const key = JSON.stringify([r.hour, r.consumer, r.model]);
      const p = points.get(key) ?? { hour: r.hour, consumer: r.consumer, model: r.model, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 };
      p.requests += r.requests;
      p.errors += r.errors;
      p.promptTokens += r.promptTokens;
      p.completionTokens += r.completionTokens;
      points.set(key, p);
    }
    res.json({ since: query.since, points: [...points.values()].reverse(), truncated });
  });
}

function usageQuery(q: Request['query']): { since: string; consumer?: string } | { problems: string[] } {
  const { since = '24h', consumer } = q;
  if (typeof since !== 'string') return { problems: ['since: give it once'] };
  if (consumer !== undefined && typeof consumer !== 'string') return { problems: ['consumer: give it once'] };
  const m = /^(\d{1,6})([hd])$/.exec(since);
  const at = m ? Date.now() - Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 86_400_000) : Date.parse(since);
  if (Number.isNaN(at)) return { problems: [`since: "${since}" is neither an ISO time nor a duration like 24h or 7d`] };
  if (Date.now() - at > MAX_DAYS * 86_400_000) return { problems: [`since: at most ${MAX_DAYS} days back (got "${since}")`] };
  return { since: new Date(at).toISOString(), ...(consumer !== undefined && { consumer }) };
}
