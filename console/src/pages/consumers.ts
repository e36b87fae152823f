import { api } from '../api.js';
import { field, fill, h, notice, table } from '../dom.js';
import { deleteButton, onSubmit, refusal } from '../forms.js';
import type { Page } from '../page.js';

interface Consumer {
  name: string;
  groups?: string[];
}

interface KeyInfo {
  id: number;
  keyPrefix: string;
  createdAt: string;
}

/** `#/consumers`: consumers and their keys; a new key is shown once, keys are revoked by id. */
export const consumersPage: Page = {
  title: 'Consumers',
  render(root) {
    const status = h('div', { 'aria-live': 'polite' });
    const list = h('section', { 'aria-label': 'Consumers' });
    const reload = () => void load(list, { status, reload });
    const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
    const formStatus = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'card narrow', 'aria-label': 'New consumer' }, h('h3', {}, 'New consumer'), field('Name', name), h('button', { type: 'submit' }, 'Add consumer'), formStatus);
    root.append(status, list, onSubmit(form, formStatus, { send: () => api('POST', '/consumers', { name: name.value }), done: reload }));
    reload();
  },
};

interface Ctx {
  status: HTMLElement;
  reload: () => void;
}

async function load(list: HTMLElement, ctx: Ctx): Promise<void> {
  try {
    const { items } = await api<{ items: Consumer[] }>('GET', '/consumers');
    const keys = await Promise.all(items.map((c) => api<{ items: KeyInfo[] }>('GET', `/consumers/${encodeURIComponent(c.name)}/keys`)));
    fill(list, items.length ? h('div', {}, ...items.map((c, i) => consumerCard(c, keys[i]!.items, ctx))) : notice('No consumers yet.'));
  } catch (err) {
    fill(list, refusal(err));
  }
}

function consumerCard(c: Consumer, keys: KeyInfo[], ctx: Ctx): HTMLElement {
  const path = `/consumers/${encodeURIComponent(c.name)}`;
  const issued = h('div', { 'aria-live': 'polite' });
  const issue = h('button', { type: 'button', onclick: () => void issueKey(path, issued, ctx) }, `New key for ${c.name}`);
  const rows = keys.map((k) => [h('code', {}, `${k.keyPrefix}…`), new Date(k.createdAt + (k.createdAt.endsWith('Z') ? '' : 'Z')).toLocaleString(), revokeButton(c.name, k, ctx)]);
  return h(
    'article',
    { class: 'card' },
    h('h2', {}, c.name, c.groups?.length ? h('small', {}, ` (${c.groups.join(', ')})`) : null),
    rows.length ? table(`Keys of ${c.name}`, ['Key', 'Created', ''], rows) : notice('No keys.'),
    h('p', {}, issue, ' ', deleteButton(`Delete consumer ${c.name}`, () => api('DELETE', path), { status: ctx.status, done: ctx.reload })),
    issued,
  );
}

async function issueKey(path: string, out: HTMLElement, ctx: Ctx): Promise<void> {
  try {
    const { key } = await api<{ key: string }>('POST', `${path}/keys`);
    ctx.reload();
    // Shown once: the registry keeps only its hash.
    fill(ctx.status, h('div', { class: 'notice ok', role: 'status' }, h('p', {}, 'New key (shown once; copy it now):'), h('output', { class: 'secret' }, key)));
  } catch (err) {
    fill(out, refusal(err));
  }
}

function revokeButton(consumer: string, k: KeyInfo, ctx: Ctx): HTMLButtonElement {
  const revoked = (): void => {
    fill(ctx.status, notice(`Key ${k.keyPrefix}… revoked.`, 'ok'));
    ctx.reload();
  };
  const revoke = () => api('DELETE', `/consumers/${encodeURIComponent(consumer)}/keys/${k.id}`);
  return deleteButton(`Revoke key ${k.keyPrefix}… of ${consumer}`, revoke, { status: ctx.status, done: revoked, text: 'Revoke' });
}
