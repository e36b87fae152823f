import { field, fill, h, notice } from '../dom.js';
import type { Page } from '../page.js';

/** An access-log line (server/filters/observability.ts). */
interface Entry {
  time: number;
  requestId: string;
  kind: string;
  method: string;
  path: string;
  route?: string;
  consumer?: string;
  status: number;
  flag: string;
  code?: string;
  durationMs: number;
  [field: string]: unknown;
}

const KEEP = 500;

/** `#/traffic`: the access log live over server-sent events, filtered in the page; a line opens its details. */
export const trafficPage: Page = {
  title: 'Traffic',
  render(root) {
    const entries: Entry[] = [];
    const filters = filterControls(() => draw());
    const info = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Connecting…');
    const body = h('tbody');
    const details = h('section', { 'aria-label': 'Request details', class: 'details' });
    const head = ['Time', 'Kind', 'Method', 'Path', 'Route / server', 'Consumer', 'Status', 'Flag', 'ms'];
    const grid = h('table', { class: 'log' }, h('caption', {}, 'Latest requests, newest first'), h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), body);
    root.append(filters.el, info, h('div', { class: 'split' }, h('div', { class: 'scroll' }, grid), details));
    const draw = () => fill(body, ...entries.filter(filters.match).map((e) => row(e, () => fill(details, detailList(e)))));
    const source = new EventSource('/access-log/stream');
    source.onopen = () => (info.textContent = 'Live.');
    source.onerror = () => (info.textContent = 'Disconnected; retrying…');
    source.addEventListener('dropped', (event) => {
      const { dropped } = JSON.parse((event as MessageEvent<string>).data) as { dropped: number };
      info.textContent = `Live. ${dropped} lines were dropped because this page fell behind.`;
    });
    source.onmessage = (event: MessageEvent<string>) => {
      const entry = JSON.parse(event.data) as Entry;
      entries.unshift(entry);
      if (entries.length > KEEP) entries.pop();
      if (filters.match(entry)) body.prepend(row(entry, () => fill(details, detailList(entry))));
      while (body.rows.length > KEEP) body.lastElementChild?.remove();
    };
    fill(details, notice('Choose a request to see its details.'));
    return () => source.close();
  },
};

function filterControls(onChange: () => void): { el: HTMLElement; match: (e: Entry) => boolean } {
  const kind = h('select', {}, ...['', 'http', 'llm', 'mcp'].map((k) => h('option', { value: k }, k || 'any')));
  const status = h('select', {}, ...['', '2', '3', '4', '5'].map((s) => h('option', { value: s }, s ? `${s}xx` : 'any')));
  const route = h('input', { type: 'search', placeholder: 'name or path' });
  const consumer = h('input', { type: 'search' });
  const el = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter requests' }, field('Kind', kind), field('Route / server', route), field('Status', status), field('Consumer', consumer));
  el.addEventListener('input', onChange);
  el.addEventListener('submit', (e) => e.preventDefault());
  const match = (e: Entry) =>
    (!kind.value || e.kind === kind.value) &&
    (!status.value || String(e.status).startsWith(status.value)) &&
    (!route.value || `${e.route ?? ''} ${e.path}`.includes(route.value)) &&
    (!consumer.value || (e.consumer ?? '').includes(consumer.value));
  return { el, match };
}

function row(e: Entry, open: () => void): HTMLTableRowElement {
  const time = new Date(e.time).toLocaleTimeString();
  const cls = e.status >= 500 || e.status === 0 ? 'bad' : e.status >= 400 ? 'warn' : '';
  return h(
    'tr',
    { class: cls },
    h('td', {}, h('button', { type: 'button', class: 'link', onclick: open, 'aria-label': `Details of ${e.method} ${e.path} at ${time}` }, time)),
    ...[e.kind, e.method, e.path, e.route ?? '', e.consumer ?? '', String(e.status), e.flag, String(e.durationMs)].map((c) => h('td', {}, c)),
  );
}

function detailList(e: Entry): HTMLElement {
  const shown = (k: string, v: unknown) => (k === 'time' && typeof v === 'number' ? new Date(v).toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const items = Object.entries(e).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, shown(k, v))]);
  return h('div', {}, h('h2', {}, `${e.method} ${e.path}`), h('dl', { class: 'facts' }, ...items));
}
