import { h } from '../dom.js';
import type { McpServer } from './mcp.js';

/** The Era cell: the revision learnt (with when, as a tooltip), `hosted: both`, or `unknown` with why. */
export function eraCell(era: McpServer['era']): HTMLElement {
  if (!era || era.era === 'both') return h('span', { title: 'served in process: answers 2025 and 2026-07-28 natively' }, 'hosted: both');
  if (era.era === 'unknown') return h('span', { title: era.lastError ? `probe failed: ${era.lastError} at ${era.lastErrorAt}` : 'not probed yet' }, 'unknown');
  return h('span', { title: `${era.era}, learnt at ${era.learntAt}` }, era.protocolVersion ?? era.era);
}
