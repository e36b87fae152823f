import { api } from '../api.js';
import { field, h } from '../dom.js';
import { onSubmit } from '../forms.js';

/** A provider as the admin API lists it: key secrets by name, never values. */
export interface Provider {
  name: string;
  type: string;
  baseUrl?: string;
  keySecrets: string[];
  modelMap: Array<[string, string]>;
  [more: string]: unknown;
}

/** A model route as stored. */
export interface LlmRoute {
  name: string;
  model: string;
  consumers?: string[];
  targets: Array<{ provider: string; model?: string; weight?: number }>;
  fallback: Array<{ provider: string; model?: string }>;
  [more: string]: unknown;
}

/** A form that edits what `load` puts in it; `edit` fills it with an existing record. */
export interface EditForm<T> {
  readonly el: HTMLElement;
  edit(record: T): void;
}

const list = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/**
 * Creates or replaces a provider (`POST`, or `PUT /llm-providers/<name>` when the name exists). The keys field
 * is a password field that is never filled in: keys are only set or replaced, and an empty field on a replace keeps
 * the stored keys (as the admin API does without `keys`).
 */
export function providerForm(existing: () => Provider[], done: () => void): EditForm<Provider> {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const type = h('input', { name: 'type', required: true, placeholder: 'openai', autocomplete: 'off' });
  const baseUrl = h('input', { name: 'baseUrl', type: 'url', placeholder: "the provider's own" });
  const keys = h('input', { name: 'keys', type: 'password', autocomplete: 'new-password', spellcheck: 'false' });
  const modelMap = h('input', { name: 'modelMap', autocomplete: 'off', placeholder: 'gpt-4o=qwen-max, gpt-*=qwen-plus' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Provider' },
    h('h3', {}, 'Provider (add or replace)'),
    field('Name', name),
    field('Type', type, 'openai, anthropic, gemini, azure, generic, …'),
    field('Base URL', baseUrl, 'empty: the type’s default'),
    field('API keys', keys, 'separated by spaces; never shown again. Empty when replacing: keep the stored keys'),
    field('Model map', modelMap, 'from=to, comma-separated'),
    h('button', { type: 'submit' }, 'Save provider'),
    status,
  );
  const send = () => {
    const current = existing().find((p) => p.name === name.value);
    const given = list(keys.value);
    const { keySecrets, ...kept } = current ?? ({} as Partial<Provider>);
    const body = { ...kept, name: name.value, type: type.value, baseUrl: baseUrl.value.trim() || undefined, modelMap: list(modelMap.value.replace(/\s*=\s*/g, '=')).map(pair), ...(given.length ? { keys: given } : current && { keySecrets }) };
    return current ? api('PUT', `/llm-providers/${encodeURIComponent(name.value)}`, body) : api('POST', '/llm-providers', body);
  };
  const edit = (p: Provider) => {
    [name.value, type.value, baseUrl.value, keys.value] = [p.name, p.type, p.baseUrl ?? '', ''];
    modelMap.value = p.modelMap.map(([a, b]) => `${a}=${b}`).join(', ');
    name.focus();
  };
  return { el: onSubmit(form, status, { send, done }), edit };
}

/** `from=to` as a model-map rule; without `=` the registry names the entry. */
function pair(text: string): [string, string] | string {
  const eq = text.indexOf('=');
  return eq === -1 ? text : [text.slice(0, eq), text.slice(eq + 1)];
}

/** Creates or replaces a model route; providers as `agate llm route add --provider name[=weight]` takes them. */
export function routeForm(existing: () => LlmRoute[], done: () => void): EditForm<LlmRoute> {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const model = h('input', { name: 'model', required: true, placeholder: 'gpt-*', autocomplete: 'off' });
  const targets = h('input', { name: 'targets', required: true, placeholder: 'openai=3, azure=1', autocomplete: 'off' });
  const fallback = h('input', { name: 'fallback', autocomplete: 'off' });
  const consumers = h('input', { name: 'consumers', autocomplete: 'off', placeholder: 'everyone' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Model route' },
    h('h3', {}, 'Model route (add or replace)'),
    field('Name', name),
    field('Model', model, 'a model name, or a pattern such as gpt-*'),
    field('Providers', targets, 'name or name=weight, comma-separated'),
    field('Fallback', fallback, 'providers tried in order when those fail, comma-separated'),
    field('Consumers', consumers, 'consumers or group:<name>, comma-separated; empty: everyone'),
    h('button', { type: 'submit' }, 'Save route'),
    status,
  );
  const send = () => {
    const current = existing().find((r) => r.name === name.value);
    const body = { ...current, name: name.value, model: model.value, targets: list(targets.value).map(target), fallback: list(fallback.value).map((provider) => ({ provider })), consumers: list(consumers.value).length ? list(consumers.value) : undefined };
    return current ? api('PUT', `/llm-routes/${encodeURIComponent(name.value)}`, body) : api('POST', '/llm-routes', body);
  };
  const edit = (r: LlmRoute) => {
    [name.value, model.value] = [r.name, r.model];
    targets.value = r.targets.map((t) => (t.weight !== undefined && t.weight !== 1 ? `${t.provider}=${t.weight}` : t.provider)).join(', ');
    fallback.value = r.fallback.map((t) => t.provider).join(', ');
    consumers.value = (r.consumers ?? []).join(', ');
    name.focus();
  };
  return { el: onSubmit(form, status, { send, done }), edit };
}

/** `name` or `name=weight`; a weight that is not a whole number goes as text, for the registry to name. */
function target(text: string): { provider: string; weight?: number | string } {
  const eq = text.lastIndexOf('=');
  if (eq === -1) return { provider: text };
  const weight = text.slice(eq + 1);
  return { provider: text.slice(0, eq), weight: /^\d+$/.test(weight) ? Number(weight) : weight };
}
