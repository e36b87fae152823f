import { h, svg } from './dom.js';

const W = 240;
const H = 56;

/**
 * A small inline SVG line chart of `values` (oldest first) with its latest value as text. Scaled to its own
 * maximum; `null` gaps (no sample yet) are skipped. The figure carries a text alternative for screen readers.
 */
export function sparkline(title: string, values: ReadonlyArray<number | null>, format: (v: number) => string): HTMLElement {
  const known = values.filter((v): v is number => v !== null);
  const max = Math.max(...known, 1e-9);
  const step = values.length > 1 ? W / (values.length - 1) : W;
  const points = values.flatMap((v, i) => (v === null ? [] : [`${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`]));
  const last = known.at(-1);
  const text = last === undefined ? 'no data yet' : format(last);
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'spark', role: 'img', 'aria-label': `${title}: ${text} (max ${format(max)})` },
    svg('line', { x1: 0, y1: H - 1, x2: W, y2: H - 1, class: 'axis' }),
    points.length > 1 ? svg('polyline', { points: points.join(' '), class: 'series' }) : null,
  );
  return h('figure', { class: 'chart' }, h('figcaption', {}, title, ' ', h('strong', {}, text)), chart);
}

/** One line of {@link lineChart}: its label and one value per x position. */
export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

const LW = 720;
const LH = 180;

/**
 * A line chart of several series over the same x positions (`xLabels`, oldest first), scaled to the largest value,
 * with a legend naming each series' colour (six, then repeating) and its total. The figure's text alternative says
 * what it shows; the totals are in the legend as text.
 */
export function lineChart(title: string, xLabels: readonly string[], series: readonly Series[]): HTMLElement {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const step = xLabels.length > 1 ? LW / (xLabels.length - 1) : LW;
  const y = (v: number) => (LH - 2 - (v / max) * (LH - 6)).toFixed(1);
  const lines = series.map((s, i) =>
    s.values.length > 1
      ? svg('polyline', { points: s.values.map((v, x) => `${(x * step).toFixed(1)},${y(v)}`).join(' '), class: `series c${i % 6}` })
      : svg('circle', { cx: 0, cy: y(s.values[0] ?? 0), r: 3, class: `series c${i % 6}` }),
  );
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${LW} ${LH}`, class: 'lines', role: 'img', 'aria-label': `${title}: ${series.length} series, ${xLabels[0] ?? ''} to ${xLabels.at(-1) ?? ''}, highest ${max}` },
    svg('line', { x1: 0, y1: LH - 1, x2: LW, y2: LH - 1, class: 'axis' }),
    ...lines,
  );
  const total = (s: Series) => s.values.reduce((a, b) => a + b, 0);
  const legend = h('ul', { class: 'legend' }, ...series.map((s, i) => h('li', {}, h('span', { class: `swatch c${i % 6}`, 'aria-hidden': 'true' }), `${s.label}: ${total(s)}`)));
  return h('figure', { class: 'chart wide' }, h('figcaption', {}, title), chart, h('p', { class: 'muted axis-labels' }, h('span', {}, xLabels[0] ?? ''), h('span', {}, xLabels.at(-1) ?? '')), legend);
}
