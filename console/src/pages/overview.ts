import { api, errorText } from '../api.js';
import { sparkline } from '../chart.js';
import { fill, h, notice, table } from '../dom.js';
import { every, type Page } from '../page.js';

interface Status {
  snapshotVersion: number | null;
  lastReloadAt: string | null;
  lastReloadError: string | null;
  listeners: Array<{ name: string; url: string }>;
  startedAt: string;
  backendHealth: {
    mcp: Array<{ server: string; kind: string; state: string; reason?: string; since: string }>;
    http: Array<{ upstream: string; url: string; state: string; reason?: string }>;
  };
}

interface Summary {
  at: number;
  requests: number;
  errors: number;
  latencySeconds: number;
}

/** One point of the charts: rates over the interval since the previous sample. */
interface Point {
  rps: number;
  errorPct: number;
  latencyMs: number | null;
}

const POLL_MS = 2000;
const RING = 90; // three minutes at one sample every two seconds

// The ring outlives page visits, so coming back to Overview does not start the charts from nothing.
const ring: Array<Point | null> = Array.from({ length: RING }, () => null);
let previous: Summary | undefined;

function sample(s: Summary): void {
  if (previous && s.at > previous.at) {
    const seconds = (s.at - previous.at) / 1000;
    const n = s.requests - previous.requests;
    const errors = s.errors - previous.errors;
    const latency = s.latencySeconds - previous.latencySeconds;
    ring.push({ rps: n / seconds, errorPct: n ? (100 * errors) / n : 0, latencyMs: n ? (1000 * latency) / n : null });
    ring.shift();
  }
  previous = s;
}

/** Listeners, config version and last reload, unhealthy backends, and traffic charts from `/metrics/summary`. */
export const overviewPage: Page = {
  title: 'Overview',
  render(root) {
    const statusEl = h('section', { 'aria-label': 'Gateway status' });
    const charts = h('section', { class: 'charts', 'aria-label': 'Traffic, last three minutes' });
    root.append(statusEl, h('h2', {}, 'Traffic'), charts);
    return every(POLL_MS, async () => {
      try {
        const [status, summary] = await Promise.all([api<Status>('GET', '/status'), api<Summary>('GET', '/metrics/summary')]);
        sample(summary);
        fill(statusEl, ...statusParts(status));
        fill(
          charts,
          sparkline('Requests per second', ring.map((p) => p && p.rps), (v) => v.toFixed(1)),
          sparkline('Errors (5xx)', ring.map((p) => p && p.errorPct), (v) => `${v.toFixed(1)} %`),
          sparkline('Mean latency', ring.map((p) => p && p.latencyMs), (v) => `${v.toFixed(1)} ms`),
        );
      } catch (err) {
        fill(statusEl, notice(errorText(err), 'error'));
      }
    });
  },
};

function statusParts(s: Status): HTMLElement[] {
  const reload = s.lastReloadError
    ? notice(`Last reload failed: ${s.lastReloadError}`, 'error')
    : notice(`Config version ${s.snapshotVersion ?? '–'}, last reload ${s.lastReloadAt ? new Date(s.lastReloadAt).toLocaleString() : 'never'}`, 'ok');
  const unhealthy = [
    // As `agate status` counts them: a stopped backend (nothing running yet, nothing wrong) is healthy.
    ...s.backendHealth.mcp.filter((b) => b.state !== 'ready' && b.state !== 'stopped').map((b) => [`MCP ${b.server}`, b.kind, b.state, b.reason ?? '']),
    ...s.backendHealth.http.filter((t) => t.state !== 'healthy').map((t) => [`upstream ${t.upstream}`, t.url, t.state, t.reason ?? '']),
  ];
  return [
    h('dl', { class: 'facts' }, ...s.listeners.flatMap((l) => [h('dt', {}, l.name), h('dd', {}, h('code', {}, l.url))]), h('dt', {}, 'started'), h('dd', {}, new Date(s.startedAt).toLocaleString())),
    reload,
    unhealthy.length ? table('Unhealthy backends', ['Backend', 'Kind / target', 'State', 'Reason'], unhealthy) : notice('All backends healthy.', 'ok'),
  ];
}
