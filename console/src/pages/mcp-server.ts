import { api, errorText } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { schemaForm } from '../schema-form.js';
import type { McpServer } from './mcp.js';
import { eraCell } from './mcp-era.js';
import { policyForm, type Policy } from './mcp-policy.js';

interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: { properties?: Record<string, { type?: string }>; required?: string[] };
}

interface CallOutcome {
  result: { content?: Array<{ type: string; text?: string }>; isError?: boolean; structuredContent?: unknown };
  ms: number;
}

/**
 * `#/mcp/<name>`: the server's access and rate limits (a bundle's members too), editable, and its tools (listed
 * through the gateway) with their schemas and a Try it form each.
 */
export function renderServer(root: HTMLElement, name: string): void {
  root.querySelector('h1')!.textContent = `MCP server ${name}`;
  const policy = h('section', { 'aria-label': 'Policy' });
  const tools = h('section', { 'aria-label': 'Tools' }, notice('Listing tools through the gateway…'));
  root.append(h('p', {}, h('a', { href: '#/mcp' }, '← All MCP servers')), policy, tools);
  api<McpServer & Policy>('GET', `/mcp-servers/${encodeURIComponent(name)}`)
    .then((server) => fill(policy, h('p', {}, 'Protocol era: ', eraCell(server.era)), policyForm(server)))
    .catch((err: unknown) => fill(policy, notice(errorText(err), 'error')));
  // Health is read after the listing: listing is what starts a lazily connected backend.
  api<{ tools: Tool[] }>('GET', `/mcp-servers/${encodeURIComponent(name)}/tools`)
    .then(async ({ tools: list }) => {
      const why = await trouble(name);
      // A down backend's tools are withdrawn, so an empty list alone cannot say why (as `agate mcp tools` does).
      const health = why ? notice(`Backend ${why}`, 'error') : null;
      fill(tools, health, ...(list.length ? list.map((t, i) => toolCard(name, t, i)) : [notice('This server offers no tools (yet).')]));
    })
    .catch((err: unknown) => fill(tools, notice(errorText(err), 'error')));
}

/** The backend's state and reason when it is neither ready nor stopped (nothing running, nothing wrong). */
async function trouble(name: string): Promise<string | undefined> {
  const status = await api<{ backendHealth: { mcp: Array<{ server: string; state: string; reason?: string }> } }>('GET', '/status');
  const b = status.backendHealth.mcp.find((x) => x.server === name && x.state !== 'ready' && x.state !== 'stopped');
  return b && `${b.state}${b.reason ? `: ${b.reason}` : ''}`;
}

function toolCard(server: string, tool: Tool, index: number): HTMLElement {
  const form = schemaForm(tool.inputSchema, `t${index}`);
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  const el = h('form', { class: 'card tool', 'aria-label': `Try ${tool.name}` }, ...form.fields, h('button', { type: 'submit' }, `Try ${tool.name}`), out);
  el.addEventListener('submit', (event) => {
    event.preventDefault();
    let args: Record<string, unknown>;
    try {
      args = form.read();
    } catch (err) {
      return fill(out, notice((err as Error).message, 'error'));
    }
    fill(out, notice('Calling…'));
    api<CallOutcome>('POST', `/mcp-servers/${encodeURIComponent(server)}/tools/${encodeURIComponent(tool.name)}/call`, { arguments: args })
      .then((r) => fill(out, outcome(r)))
      .catch((err: unknown) => fill(out, notice(errorText(err), 'error')));
  });
  return h(
    'article',
    { class: 'tool' },
    h('h2', {}, tool.title ?? tool.name),
    tool.description ? h('p', {}, tool.description) : null,
    h('details', {}, h('summary', {}, 'Input schema'), h('pre', { class: 'code' }, JSON.stringify(tool.inputSchema ?? {}, null, 2))),
    el,
  );
}

function outcome(r: CallOutcome): HTMLElement {
  const failed = r.result.isError === true;
  const text = (r.result.content ?? []).map((c) => (c.type === 'text' ? (c.text ?? '') : JSON.stringify(c))).join('\n');
  return h(
    'div',
    { class: `outcome ${failed ? 'error' : 'ok'}`, role: failed ? 'alert' : 'status' },
    h('p', {}, h('strong', { class: 'badge' }, failed ? 'isError: the tool failed' : 'OK'), ` in ${r.ms} ms`),
    h('pre', { class: 'code' }, text || JSON.stringify(r.result, null, 2)),
  );
}
