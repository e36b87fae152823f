import { api, errorText } from '../api.js';
import { fill, h, notice, table } from '../dom.js';
import type { Page } from '../page.js';
import { addServerForms } from './mcp-add.js';
import { renderServer } from './mcp-server.js';
import { eraCell } from './mcp-era.js';

/** A stored MCP server as the admin API lists it (secret values masked). */
export interface McpServer {
  name: string;
  description?: string;
  enabled: boolean;
  backend: { kind: string; url?: string; command?: string; args?: string[]; server?: string; members?: string[] };
  /** The protocol era a gateway learnt by probing (remote, stdio), or `both` (hosted, REST-to-MCP, bundles). */
  era?: { era: 'both' | 'modern' | 'legacy' | 'unknown'; protocolVersion?: string | null; learntAt?: string | null; lastError?: string | null; lastErrorAt?: string | null };
}

interface Health {
  backendHealth: { mcp: Array<{ server: string; state: string; reason?: string }> };
}

/** `#/mcp`: every server with kind and health, bundles with members, and the add forms; `#/mcp/<name>`: its tools. */
export const mcpPage: Page = {
  title: 'MCP servers',
  render(root, params) {
    if (params[0]) return renderServer(root, params[0]);
    const list = h('section', { 'aria-label': 'Servers' }, notice('Loading…'));
    const refresh = () => void load(list);
    root.append(list, h('h2', {}, 'Add a server'), addServerForms(refresh));
    refresh();
  },
};

async function load(list: HTMLElement): Promise<void> {
  try {
    const [{ items }, status] = await Promise.all([api<{ items: McpServer[] }>('GET', '/mcp-servers'), api<Health>('GET', '/status')]);
    const health = new Map(status.backendHealth.mcp.map((b) => [b.server, b.reason ? `${b.state}: ${b.reason}` : b.state]));
    const rows = items.map((s) => [
      h('a', { href: `#/mcp/${encodeURIComponent(s.name)}` }, s.name),
      s.backend.kind,
      source(s),
      s.backend.kind === 'bundle' ? '–' : (health.get(s.name) ?? (s.enabled ? 'not started' : 'disabled')),
      eraCell(s.era),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${s.name}`, onclick: () => void remove(s.name, list) }, 'Delete'),
    ]);
    fill(list, items.length ? table('MCP servers', ['Name', 'Kind', 'Source / members', 'Health', 'Era', ''], rows) : notice('No MCP servers yet.'));
  } catch (err) {
    fill(list, notice(errorText(err), 'error'));
  }
}

function source(s: McpServer): string {
  const b = s.backend;
  if (b.kind === 'bundle') return (b.members ?? []).join(', ');
  if (b.kind === 'remote') return b.url ?? '';
  if (b.kind === 'stdio') return [b.command, ...(b.args ?? [])].join(' ');
  if (b.kind === 'hosted') return b.server ?? '';
  return s.description ?? 'REST-to-MCP';
}

async function remove(name: string, list: HTMLElement): Promise<void> {
  if (!confirm(`Delete MCP server ${name}?`)) return;
  try {
    await api('DELETE', `/mcp-servers/${encodeURIComponent(name)}`);
  } catch (err) {
    list.prepend(notice(errorText(err), 'error'));
    return;
  }
  await load(list);
}
