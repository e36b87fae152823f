import { api } from '../api.js';
import { fill, h, notice, table } from '../dom.js';
import { refusal } from '../forms.js';
import type { Page } from '../page.js';

interface AuditEntry {
  id: number;
  at: string;
  interface: string;
  action: string;
  entity: string;
  name: string;
  detail: unknown;
  actor?: string | null;
  address?: string | null;
}

/**
 * `#/audit`: who changed what and when (newest first): the interface (cli, admin-api, …) and, for admin API
 * changes, the admin token or which console session, and from which address.
 */
export const auditPage: Page = {
  title: 'Audit',
  render(root) {
    const list = h('section', { 'aria-label': 'Audit log' }, notice('Loading…'));
    root.append(list);
    api<{ items: AuditEntry[] }>('GET', '/audit?limit=200')
      .then(({ items }) => {
        const who = (e: AuditEntry) => [e.actor, e.address && `from ${e.address}`].filter(Boolean).join(' ') || '–';
        const rows = items.map((e) => [e.at, e.interface, who(e), e.action, e.entity, e.name, e.detail === null || e.detail === undefined ? '' : h('code', {}, JSON.stringify(e.detail))]);
        fill(list, rows.length ? table('Latest 200 changes', ['When', 'Through', 'Who', 'Action', 'Entity', 'Name', 'Detail'], rows) : notice('No changes recorded.'));
      })
      .catch((err: unknown) => fill(list, refusal(err)));
  },
};
