import { api } from '../api.js';
import { field, h } from '../dom.js';
import { onSubmit } from '../forms.js';

/** The four ways to add a server: a remote URL, a stdio command, a Higress REST-to-MCP YAML, an OpenAPI spec. */
export function addServerForms(onAdded: () => void): HTMLElement {
  return h('div', { class: 'cards' }, remoteForm(onAdded), stdioForm(onAdded), yamlForm(onAdded), openApiForm(onAdded));
}

function nameInput(): HTMLInputElement {
  return h('input', { name: 'name', required: true, pattern: '[a-z0-9][a-z0-9-]*', autocomplete: 'off' });
}

function remoteForm(onAdded: () => void): HTMLElement {
  const name = nameInput();
  const url = h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://example.com/mcp' });
  const transport = h('select', { name: 'transport' }, h('option', { value: 'streamable-http' }, 'Streamable HTTP'), h('option', { value: 'sse' }, 'HTTP+SSE (legacy)'));
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': 'From a URL' }, h('h3', {}, 'From a URL'), field('Name', name), field('URL', url), field('Transport', transport), h('button', { type: 'submit' }, 'Add remote server'), status);
  const send = () => api('POST', '/mcp-servers', { name: name.value, backend: { kind: 'remote', url: url.value, transport: transport.value, headers: {} } });
  return onSubmit(form, status, { send, done: onAdded });
}

function stdioForm(onAdded: () => void): HTMLElement {
  const name = nameInput();
  const command = h('input', { name: 'command', required: true, placeholder: 'npx' });
  const args = h('input', { name: 'args', placeholder: '-y @modelcontextprotocol/server-everything' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': 'A stdio command' }, h('h3', {}, 'A stdio command'), field('Name', name), field('Command', command), field('Arguments', args, 'separated by spaces'), h('button', { type: 'submit' }, 'Add stdio server'), status);
  const send = () => api('POST', '/mcp-servers', { name: name.value, backend: { kind: 'stdio', command: command.value, args: args.value.split(/\s+/).filter(Boolean), env: {} } });
  return onSubmit(form, status, { send, done: onAdded });
}

function yamlForm(onAdded: () => void): HTMLElement {
  return configForm({ label: 'A Higress REST-to-MCP config', textLabel: 'Config (YAML or JSON)', accept: '.yaml,.yml,.json', onAdded }, (name, text) => ({ name, text }));
}

/** An OpenAPI 3.0/3.1 spec, converted as `agate mcp add <name> <file> --type openapi --base-url … --allow-host …` does. */
function openApiForm(onAdded: () => void): HTMLElement {
  const baseUrl = h('input', { name: 'baseUrl', type: 'url', placeholder: 'https://api.example.com/v1' });
  const allowHosts = h('input', { name: 'allowHosts', autocomplete: 'off', placeholder: '127.0.0.1' });
  const extra = [
    field('Base URL', baseUrl, "where the operations are called; empty: the spec's servers[0].url"),
    field('Private hosts allowed', allowHosts, 'hosts, *.suffix, IPs or CIDRs the SSRF guard lets through, comma-separated'),
  ];
  const body = (name: string, text: string) => ({ name, text, type: 'openapi', baseUrl: baseUrl.value.trim() || undefined, allowHosts: allowHosts.value.split(/[\s,]+/).filter(Boolean) });
  return configForm({ label: 'An OpenAPI spec', textLabel: 'Spec (YAML or JSON)', accept: '.yaml,.yml,.json', onAdded, extra }, body);
}

interface ConfigFormOptions {
  label: string;
  textLabel: string;
  accept: string;
  onAdded: () => void;
  extra?: HTMLElement[];
}

/** A pasted or uploaded text sent to `POST /mcp-servers-from-config`; a problem's line:col selects that place. */
function configForm(o: ConfigFormOptions, body: (name: string, text: string) => Record<string, unknown>): HTMLElement {
  const name = nameInput();
  const text = h('textarea', { name: 'text', rows: 14, required: true, spellcheck: 'false', class: 'code' });
  const file = h('input', { type: 'file', accept: o.accept });
  file.addEventListener('change', () => void file.files?.[0]?.text().then((t) => (text.value = t)));
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card wide', 'aria-label': o.label },
    h('h3', {}, o.label),
    field('Name', name),
    field(o.textLabel, text, 'paste it, or choose a file below'),
    field('Upload', file),
    ...(o.extra ?? []),
    h('button', { type: 'submit' }, 'Validate and add'),
    status,
  );
  const shown = onSubmit(form, status, { send: () => api('POST', '/mcp-servers-from-config', body(name.value, text.value)), done: o.onAdded });
  // A problem's line:col moves the cursor there, so the fix is one click away.
  status.addEventListener('click', (event) => {
    const at = (event.target as HTMLElement).closest('[data-line]') as HTMLElement | null;
    if (at) selectLine(text, Number(at.dataset.line), Number(at.dataset.col));
  });
  return shown;
}

function selectLine(text: HTMLTextAreaElement, line: number, col: number): void {
  const lines = text.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(col - 1, 0);
  const end = start + (lines[line - 1]?.length ?? 0) - Math.max(col - 1, 0);
  text.focus();
  text.setSelectionRange(start, end);
}
