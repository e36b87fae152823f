import { api } from '../api.js';
import { field, h, notice } from '../dom.js';
import { refusal } from '../forms.js';
import type { McpServer } from './mcp.js';

/** A tools/call limit as stored (`rateLimit.perConsumer` / `perTool`). */
interface Limit {
  requests?: number;
  windowSeconds?: number;
}

/** The editable policy of a server (schemas/mcp-server.schema.json `access` and `rateLimit`). */
export interface Policy {
  access?: { consumers?: string[]; tools?: Record<string, string[]>; allowTools?: string[] };
  rateLimit?: { perConsumer?: Limit; perTool?: Limit };
}

/**
 * The "Access and rate limits" form of a server's page (and, for a bundle, its members). Saving replaces the
 * whole record with `PUT /mcp-servers/<name>`: the record as read (secret values masked, which the registry reads
 * as "keep the stored value"), with these fields replaced, so fields this form does not know pass through.
 * Values are checked by the registry, as for the CLI: a refusal names the field.
 */
export function policyForm(server: McpServer & Policy): HTMLElement {
  let current = server;
  const list = (values: string[] | undefined) => (values ?? []).join(', ');
  const consumers = h('input', { name: 'consumers', value: list(server.access?.consumers), autocomplete: 'off' });
  const allowTools = h('input', { name: 'allowTools', value: list(server.access?.allowTools), autocomplete: 'off' });
  const toolLines = Object.entries(server.access?.tools ?? {}).map(([tool, who]) => `${tool}: ${who.join(', ')}`);
  const tools = h('textarea', { name: 'tools', rows: 3, class: 'code', spellcheck: 'false' }, toolLines.join('\n'));
  const perConsumer = limitFields('per consumer', server.rateLimit?.perConsumer);
  const perTool = limitFields('per tool', server.rateLimit?.perTool);
  const bundle = server.backend.kind === 'bundle';
  const members = h('input', { name: 'members', value: list(server.backend.members), autocomplete: 'off' });
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card wide', 'aria-label': 'Access and rate limits' },
    h('h2', {}, bundle ? 'Members, access and rate limits' : 'Access and rate limits'),
    bundle ? field('Members', members, 'servers served at this endpoint, comma-separated') : null,
    field('Consumers', consumers, 'consumers or group:<name>, comma-separated (access.consumers); empty: anyone, anonymous too'),
    field('Exposed tools', allowTools, 'tool names, comma-separated (access.allowTools); empty: all'),
    field('Tools for some consumers only', tools, 'one a line: tool: consumer, group:<name> (access.tools)'),
    h('div', { class: 'cards' }, ...perConsumer.fields, ...perTool.fields),
    h('button', { type: 'submit' }, 'Save policy'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let next: Record<string, unknown>;
    try {
      const access = compact({ consumers: words(consumers.value), allowTools: words(allowTools.value), tools: toolMap(tools.value) });
      const rateLimit = compact({ perConsumer: perConsumer.read(), perTool: perTool.read() });
      const { access: _a, rateLimit: _r, ...rest } = current;
      next = { ...rest, ...(access && { access }), ...(rateLimit && { rateLimit }) };
      if (bundle) next.backend = { ...current.backend, members: words(members.value) ?? [] };
    } catch (err) {
      return void status.replaceChildren(notice((err as Error).message, 'error'));
    }
    status.replaceChildren(notice('Saving…'));
    api<McpServer & Policy>('PUT', `/mcp-servers/${encodeURIComponent(server.name)}`, next)
      .then((stored) => {
        current = stored;
        status.replaceChildren(notice('Saved.', 'ok'));
      })
      .catch((err: unknown) => status.replaceChildren(refusal(err)));
  });
  return form;
}

/** Comma- or space-separated names; undefined when there are none (the field is then left out). */
function words(text: string): string[] | undefined {
  const out = text.split(/[\s,]+/).filter(Boolean);
  return out.length ? out : undefined;
}

/** `tool: a, b` lines as the `access.tools` map; a line without its colon is named. */
function toolMap(text: string): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`access.tools, line ${i + 1}: expected "tool: consumer, group:<name>" (got "${line.trim()}")`);
    out[line.slice(0, colon).trim()] = words(line.slice(colon + 1)) ?? [];
  });
  return Object.keys(out).length ? out : undefined;
}

/** `value` without its undefined fields; undefined when none is left. */
function compact<T extends Record<string, unknown>>(value: T): Partial<T> | undefined {
  const kept = Object.entries(value).filter(([, v]) => v !== undefined);
  return kept.length ? (Object.fromEntries(kept) as Partial<T>) : undefined;
}

/** Two number fields for one limit: both empty means no limit; the registry checks the rest. */
function limitFields(label: string, current: Limit | undefined): { fields: HTMLElement[]; read: () => Limit | undefined } {
  const requests = h('input', { type: 'number', name: `requests ${label}`, min: 1, step: 1, value: current?.requests });
  const window = h('input', { type: 'number', name: `window ${label}`, min: 1, step: 1, value: current?.windowSeconds });
  const num = (input: HTMLInputElement) => (input.value === '' ? undefined : Number(input.value));
  return {
    fields: [field(`Calls ${label}`, requests, 'tools/call allowed per window; empty: no limit'), field(`Window ${label} (seconds)`, window)],
    read: () => compact({ requests: num(requests), windowSeconds: num(window) }),
  };
}
