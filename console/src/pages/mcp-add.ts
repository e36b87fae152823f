import { api } from '../api.js';
import { field, h } from '../dom.js';
import { onSubmit } from '../forms.js';

/** The three ways to add a server: a remote URL, a stdio command, a Higress REST-to-MCP YAML. */
export function addServerForms(onAdded: () => void): HTMLElement {
  return h('div', { class: 'cards' }, remoteForm(onAdded), stdioForm(onAdded), yamlForm(onAdded));
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
  const name = nameInput();
  const text = h('textarea', { name: 'yaml', rows: 14, required: true, spellcheck: 'false', class: 'code' });
  const file = h('input', { type: 'file', accept: '.yaml,.yml,.json' });
  file.addEventListener('change', () => void file.files?.[0]?.text().then((t) => (text.value = t)));
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card wide', 'aria-label': 'A Higress REST-to-MCP config' },
    h('h3', {}, 'A Higress REST-to-MCP config'),
    field('Name', name),
    field('Config (YAML or JSON)', text, 'paste it, or choose a file below'),
    field('Upload', file),
    h('button', { type: 'submit' }, 'Validate and add'),
    status,
  );
  const send = () => api('POST', '/mcp-servers-from-config', { name: name.value, text: text.value });
  const shown = onSubmit(form, status, { send, done: onAdded });
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
