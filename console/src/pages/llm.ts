import { api } from '../api.js';
import { fill, h, notice, table } from '../dom.js';
import { refusal } from '../forms.js';
import type { Page } from '../page.js';

interface Provider {
  name: string;
  type: string;
  baseUrl?: string;
  keySecrets: string[];
  modelMap: Array<[string, string]>;
}

interface LlmRoute {
  name: string;
  model: string;
  targets: Array<{ provider: string; model?: string; weight?: number }>;
  fallback: Array<{ provider: string; model?: string }>;
}

/** `#/llm`: providers (how many keys, never the keys: the API names only their secrets) and model routes. */
export const llmPage: Page = {
  title: 'LLM',
  render(root) {
    const list = h('section', { 'aria-label': 'LLM providers and routes' }, notice('Loading…'));
    root.append(list);
    Promise.all([api<{ items: Provider[] }>('GET', '/llm-providers'), api<{ items: LlmRoute[] }>('GET', '/llm-routes')])
      .then(([providers, routes]) => {
        const target = (t: { provider: string; model?: string }) => `${t.provider}${t.model ? `/${t.model}` : ''}`;
        const p = providers.items.map((x) => [x.name, x.type, x.baseUrl ?? 'catalogue default', `${x.keySecrets.length} key(s)`, x.modelMap.map(([a, b]) => `${a} → ${b}`).join(', ')]);
        const r = routes.items.map((x) => [x.name, x.model, x.targets.map(target).join(', '), x.fallback.map(target).join(', ') || '–']);
        fill(
          list,
          p.length ? table('Providers', ['Name', 'Type', 'Base URL', 'Keys', 'Model map'], p) : notice('No LLM providers.'),
          r.length ? table('Model routes', ['Name', 'Model', 'Targets', 'Fallback'], r) : notice('No model routes.'),
        );
      })
      .catch((err: unknown) => fill(list, refusal(err)));
  },
};
