import { api } from '../api.js';
import { lineChart } from '../chart.js';
import { field, fill, h, notice, table } from '../dom.js';
import { refusal } from '../forms.js';

/** One point of `GET /llm-usage`. */
interface UsagePoint {
  hour: string;
  consumer: string;
  model: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
}

const HOUR = 3_600_000;

/** Token usage per consumer and model over the chosen range, per hour: a chart and a table of totals. */
export function usageSection(): HTMLElement {
  const range = h('select', { name: 'range' }, h('option', { value: '24h' }, 'last 24 hours'), h('option', { value: '7d' }, 'last 7 days'), h('option', { value: '31d' }, 'last 31 days'));
  const out = h('div', { 'aria-live': 'polite' }, notice('Loading…'));
  const load = () => void draw(out, range.value);
  range.addEventListener('change', load);
  load();
  return h('section', { 'aria-label': 'Token usage' }, h('h2', {}, 'Token usage'), h('form', { class: 'filters', 'aria-label': 'Usage range' }, field('Range', range)), out);
}

async function draw(out: HTMLElement, since: string): Promise<void> {
  try {
    const usage = await api<{ since: string; points: UsagePoint[]; truncated: boolean }>('GET', `/llm-usage?since=${since}`);
    if (usage.points.length === 0) return fill(out, notice('No LLM calls in this range.'));
    const hours = hourRange(usage.since);
    const index = new Map(hours.map((hr, i) => [hr, i]));
    const series = new Map<string, { label: string; values: number[]; totals: UsagePoint }>();
    for (const p of usage.points) {
      const label = `${p.consumer || 'anonymous'} · ${p.model}`;
      const s = series.get(label) ?? { label, values: hours.map(() => 0), totals: { ...p, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 } };
      const i = index.get(p.hour);
      if (i !== undefined) s.values[i]! += p.promptTokens + p.completionTokens;
      for (const k of ['requests', 'errors', 'promptTokens', 'completionTokens'] as const) s.totals[k] += p[k];
      series.set(label, s);
    }
    const all = [...series.values()];
    const rows = all.map((s) => [s.totals.consumer || 'anonymous', s.totals.model, s.totals.requests, s.totals.errors, s.totals.promptTokens, s.totals.completionTokens]);
    const local = (hr: string) => new Date(hr).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    fill(
      out,
      lineChart('Tokens per hour (prompt + completion), by consumer and model', hours.map(local), all),
      table('Totals in this range', ['Consumer', 'Model', 'Requests', 'Errors', 'Prompt tokens', 'Completion tokens'], rows),
      usage.truncated ? notice('The oldest hours were left out (too many rows); choose a shorter range.') : null,
    );
  } catch (err) {
    fill(out, refusal(err));
  }
}

/** Every hour bucket ('YYYY-MM-DDTHH:00:00Z', as the registry keys them) from the one containing `since` to now. */
function hourRange(since: string): string[] {
  const hours: string[] = [];
  for (let t = Math.floor(Date.parse(since) / HOUR) * HOUR; t <= Date.now(); t += HOUR) hours.push(new Date(t).toISOString().slice(0, 13) + ':00:00Z');
  return hours;
}
