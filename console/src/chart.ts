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
