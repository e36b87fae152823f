import { api } from '../api.js';
import { field, h, notice } from '../dom.js';
import { refusal } from '../forms.js';

/** A route as the admin API returns it (secret header values masked); fields the form does not edit pass through. */
export interface RouteRecord {
  name: string;
  path: string;
  pathType?: string;
  host?: string;
  methods?: string[];
  upstream?: string;
  stripPrefix?: boolean;
  priority?: number;
  headers?: unknown[];
  query?: unknown[];
  canary?: { upstream: string; weight?: number; header?: string; [more: string]: unknown };
  enabled: boolean;
  [more: string]: unknown;
}

/**
 * The edit form of one route: its matches (path, path type, host, methods, header and query predicates), its
 * upstream and its canary (upstream, weight, header). Saving sends `PUT /routes/<name>` with the record as read and
 * these fields replaced; the registry checks it (a refusal names the field, as the CLI's does).
 */
export function routeEditForm(route: RouteRecord, upstreams: string[], done: () => void): HTMLElement {
  const listId = `upstreams-${route.name}`;
  const text = (name: string, value: string | undefined, extra: Record<string, string> = {}) => h('input', { name, value: value ?? '', autocomplete: 'off', ...extra });
  const path = text('path', route.path, { required: 'required' });
  const pathType = h('select', { name: 'pathType' }, ...['prefix', 'exact', 'regex'].map((t) => h('option', { value: t, selected: (route.pathType ?? 'prefix') === t }, t)));
  const host = text('host', route.host, { placeholder: 'any host' });
  const methods = text('methods', (route.methods ?? []).join(', '), { placeholder: 'any method' });
  const upstream = text('upstream', route.upstream, { list: listId });
  const headers = h('textarea', { name: 'headers', rows: 2, class: 'code', spellcheck: 'false' }, JSON.stringify(route.headers ?? []));
  const query = h('textarea', { name: 'query', rows: 2, class: 'code', spellcheck: 'false' }, JSON.stringify(route.query ?? []));
  const canaryUpstream = text('canaryUpstream', route.canary?.upstream, { list: listId, placeholder: 'no canary' });
  const weight = h('input', { type: 'number', name: 'canaryWeight', value: route.canary?.weight ?? 0 });
  const canaryHeader = text('canaryHeader', route.canary?.header);
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card wide', 'aria-label': `Edit route ${route.name}` },
    h('h3', {}, `Edit route ${route.name}`),
    h('datalist', { id: listId }, ...upstreams.map((u) => h('option', { value: u }))),
    h('div', { class: 'cards' }, field('Path', path), field('Path match', pathType), field('Host', host), field('Methods', methods, 'comma-separated')),
    h('div', { class: 'cards' }, field('Header matches', headers, 'JSON: [{"name": "x-env", "exact": "beta"}]'), field('Query matches', query, 'JSON, as header matches')),
    field('Upstream', upstream, 'an upstream name or a URL'),
    h('div', { class: 'cards' }, field('Canary upstream', canaryUpstream, 'empty: no canary'), field('Canary weight (%)', weight), field('Canary header', canaryHeader, "'always' sends to the canary, 'never' away")),
    h('button', { type: 'submit' }, 'Save route'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let next: RouteRecord;
    try {
      const canary = canaryUpstream.value.trim() ? { ...route.canary, upstream: canaryUpstream.value.trim(), weight: Number(weight.value), header: canaryHeader.value.trim() || undefined } : undefined;
      const edited = { path: path.value, pathType: pathType.value, host: host.value.trim() || undefined, methods: names(methods.value), upstream: upstream.value.trim() || undefined };
      next = { ...route, ...edited, headers: predicates(headers, 'headers'), query: predicates(query, 'query'), canary };
    } catch (err) {
      return void status.replaceChildren(notice((err as Error).message, 'error'));
    }
    status.replaceChildren(notice('Saving…'));
    api('PUT', `/routes/${encodeURIComponent(route.name)}`, withoutEmpty(next))
      .then(done)
      .catch((err: unknown) => status.replaceChildren(refusal(err)));
  });
  return form;
}

function names(text: string): string[] | undefined {
  const out = text.split(/[\s,]+/).filter(Boolean).map((m) => m.toUpperCase());
  return out.length ? out : undefined;
}

/** A JSON predicate list; a text that is not JSON is named by its field. */
function predicates(area: HTMLTextAreaElement, what: 'headers' | 'query'): unknown[] | undefined {
  if (area.value.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(area.value);
  } catch (err) {
    throw new Error(`route.${what}: not valid JSON (${(err as Error).message})`);
  }
  return Array.isArray(value) && value.length === 0 ? undefined : (value as unknown[]);
}

/** The record without undefined fields (JSON drops them anyway; this keeps the intent visible). */
function withoutEmpty(route: RouteRecord): RouteRecord {
  return Object.fromEntries(Object.entries(route).filter(([, v]) => v !== undefined)) as RouteRecord;
}
