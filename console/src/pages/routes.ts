import { api } from '../api.js';
import { field, fill, h, notice, table } from '../dom.js';
import { deleteButton, onSubmit, refusal } from '../forms.js';
import type { Page } from '../page.js';
import { routeEditForm, type RouteRecord } from './route-edit.js';

interface Upstream {
  name: string;
  targets: Array<{ url: string; weight: number }>;
  balance: string;
}

/** `#/routes`: HTTP routes and upstreams, listed, created, edited (matches, upstream, canary) and deleted. */
export const routesPage: Page = {
  title: 'HTTP routes',
  render(root) {
    const status = h('div', { 'aria-live': 'polite' });
    const lists = h('section', { 'aria-label': 'Routes and upstreams' });
    const editor = h('section', { 'aria-label': 'Route editor' });
    const upstreamSelect = h('select', { name: 'upstream' });
    const reload = () => void load(lists, { status, reload, upstreamSelect, editor });
    root.append(status, lists, editor, h('h2', {}, 'Add'), h('div', { class: 'cards' }, routeForm(upstreamSelect, reload), upstreamForm(reload)));
    reload();
  },
};

interface Ctx {
  status: HTMLElement;
  reload: () => void;
  upstreamSelect: HTMLSelectElement;
  editor: HTMLElement;
}

async function load(lists: HTMLElement, ctx: Ctx): Promise<void> {
  const { status, reload } = ctx;
  try {
    const [routes, upstreams] = await Promise.all([api<{ items: RouteRecord[] }>('GET', '/routes'), api<{ items: Upstream[] }>('GET', '/upstreams')]);
    const after = { status, done: reload };
    const edit = (r: RouteRecord) => h('button', { type: 'button', 'aria-label': `Edit route ${r.name}`, onclick: () => openEditor(r, upstreams.items.map((u) => u.name), ctx) }, 'Edit');
    const routeRows = routes.items.map((r) => [r.name, match(r), r.upstream ?? '–', canary(r), r.enabled ? 'yes' : 'no', h('span', {}, edit(r), ' ', deleteButton(`Delete route ${r.name}`, () => api('DELETE', `/routes/${encodeURIComponent(r.name)}`), after))]);
    const upstreamRows = upstreams.items.map((u) => [u.name, u.targets.map((t) => `${t.url} ×${t.weight}`).join(', '), u.balance, deleteButton(`Delete upstream ${u.name}`, () => api('DELETE', `/upstreams/${encodeURIComponent(u.name)}`), after)]);
    fill(
      lists,
      routeRows.length ? table('Routes', ['Name', 'Match', 'Upstream', 'Canary', 'Enabled', ''], routeRows) : notice('No routes yet.'),
      upstreamRows.length ? table('Upstreams', ['Name', 'Targets', 'Balance', ''], upstreamRows) : notice('No upstreams yet.'),
    );
    fill(ctx.upstreamSelect, h('option', { value: '' }, '—'), ...upstreams.items.map((u) => h('option', { value: u.name }, u.name)));
  } catch (err) {
    fill(lists, refusal(err));
  }
}

function match(r: RouteRecord): string {
  const extra = [r.methods?.join(','), r.headers?.length ? `${r.headers.length} header match(es)` : '', r.query?.length ? `${r.query.length} query match(es)` : ''].filter(Boolean);
  return `${r.host ?? '*'} ${r.path} (${r.pathType ?? 'prefix'})${extra.length ? `; ${extra.join('; ')}` : ''}`;
}

function canary(r: RouteRecord): string {
  if (!r.canary) return '–';
  return `${r.canary.upstream} ${r.canary.weight ?? 0} %${r.canary.header ? `, header ${r.canary.header}` : ''}`;
}

function openEditor(route: RouteRecord, upstreams: string[], ctx: Ctx): void {
  const saved = () => {
    fill(ctx.editor);
    fill(ctx.status, notice(`Route ${route.name} saved.`, 'ok'));
    ctx.reload();
  };
  fill(ctx.editor, routeEditForm(route, upstreams, saved));
  ctx.editor.querySelector('input')?.focus();
}

function routeForm(upstream: HTMLSelectElement, done: () => void): HTMLElement {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const path = h('input', { name: 'path', required: true, placeholder: '/shop' });
  const pathType = h('select', { name: 'pathType' }, h('option', { value: 'prefix' }, 'prefix'), h('option', { value: 'exact' }, 'exact'));
  const strip = h('input', { type: 'checkbox', name: 'stripPrefix' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': 'New route' }, h('h3', {}, 'Route'), field('Name', name), field('Path', path), field('Path match', pathType), field('Upstream', upstream), field('Strip the prefix', strip), h('button', { type: 'submit' }, 'Add route'), status);
  const send = () => api('POST', '/routes', { name: name.value, path: path.value, pathType: pathType.value, ...(upstream.value && { upstream: upstream.value }), stripPrefix: strip.checked });
  return onSubmit(form, status, { send, done: done });
}

function upstreamForm(done: () => void): HTMLElement {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const targets = h('textarea', { name: 'targets', rows: 3, required: true, placeholder: 'http://127.0.0.1:9000', class: 'code' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': 'New upstream' }, h('h3', {}, 'Upstream'), field('Name', name), field('Target URLs', targets, 'one a line'), h('button', { type: 'submit' }, 'Add upstream'), status);
  const send = () => api('POST', '/upstreams', { name: name.value, targets: targets.value.split('\n').map((t) => t.trim()).filter(Boolean).map((url) => ({ url })) });
  return onSubmit(form, status, { send, done: done });
}
