import { api } from '../api.js';
import { fill, h, notice, table } from '../dom.js';
import { deleteButton, refusal } from '../forms.js';
import type { Page } from '../page.js';
import { providerForm, routeForm, type LlmRoute, type Provider } from './llm-forms.js';
import { usageSection } from './llm-usage.js';

/**
 * `#/llm`: providers (how many keys, never the keys: the API names only their secrets) and model routes, each
 * added, replaced (Edit fills the form) and deleted; and token usage per consumer and model over time.
 */
export const llmPage: Page = {
  title: 'LLM',
  render(root) {
    let providers: Provider[] = [];
    let routes: LlmRoute[] = [];
    const status = h('div', { 'aria-live': 'polite' });
    const list = h('section', { 'aria-label': 'LLM providers and routes' }, notice('Loading…'));
    const reload = () => void load();
    const pForm = providerForm(() => providers, reload);
    const rForm = routeForm(() => routes, reload);
    const load = async () => {
      try {
        [{ items: providers }, { items: routes }] = await Promise.all([api<{ items: Provider[] }>('GET', '/llm-providers'), api<{ items: LlmRoute[] }>('GET', '/llm-routes')]);
        fill(list, ...tables({ providers, routes, status, reload, editProvider: pForm.edit, editRoute: rForm.edit }));
      } catch (err) {
        fill(list, refusal(err));
      }
    };
    root.append(status, list, h('div', { class: 'cards' }, pForm.el, rForm.el), usageSection());
    reload();
  },
};

interface Tables {
  providers: Provider[];
  routes: LlmRoute[];
  status: HTMLElement;
  reload: () => void;
  editProvider: (p: Provider) => void;
  editRoute: (r: LlmRoute) => void;
}

function tables(t: Tables): HTMLElement[] {
  const after = { status: t.status, done: t.reload };
  const target = (x: { provider: string; model?: string; weight?: number }) => `${x.provider}${x.model ? `/${x.model}` : ''}${x.weight !== undefined && x.weight !== 1 ? ` ×${x.weight}` : ''}`;
  // `what` is the entity as its admin path names it: llm-providers/<name>, llm-routes/<name>.
  const actions = (what: 'provider' | 'route', name: string, edit: () => void) =>
    h('span', {}, h('button', { type: 'button', 'aria-label': `Edit ${what} ${name}`, onclick: edit }, 'Edit'), ' ', deleteButton(`Delete ${what} ${name}`, () => api('DELETE', `/llm-${what}s/${encodeURIComponent(name)}`), after));
  const p = t.providers.map((x) => [x.name, x.type, x.baseUrl ?? 'catalogue default', `${x.keySecrets.length} key(s)`, x.modelMap.map(([a, b]) => `${a} → ${b}`).join(', '), actions('provider', x.name, () => t.editProvider(x))]);
  const r = t.routes.map((x) => [x.name, x.model, x.targets.map(target).join(', '), x.fallback.map(target).join(', ') || '–', (x.consumers ?? []).join(', ') || 'everyone', actions('route', x.name, () => t.editRoute(x))]);
  return [
    p.length ? table('Providers', ['Name', 'Type', 'Base URL', 'Keys', 'Model map', ''], p) : notice('No LLM providers.'),
    r.length ? table('Model routes', ['Name', 'Model', 'Targets', 'Fallback', 'Consumers', ''], r) : notice('No model routes.'),
  ];
}
