import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { MemberLink } from './member-link.js';
import { exposedName, type NamingRule } from './naming.js';

/** A tool as exposed at an endpoint, with where it really lives. */
export interface IndexedTool {
  /** The name clients see (prefixed and fitted). */
  readonly exposed: string;
  readonly member: string;
  readonly tool: Tool;
}

/** The endpoint's current tools: list order (members in order, then upstream order) and lookup by name. */
export interface ToolIndex {
  readonly list: readonly IndexedTool[];
  readonly byName: ReadonlyMap<string, IndexedTool>;
}

/**
 * Indexes the tools of the links that are up. Without prefixes two members may offer the same name: the
 * first member wins, and the other's tool is left out rather than made ambiguous.
 */
export function indexTools(links: readonly MemberLink[], rule: NamingRule): ToolIndex {
  const list: IndexedTool[] = [];
  const byName = new Map<string, IndexedTool>();
  for (const link of links) {
    for (const tool of link.tools) {
      const exposed = exposedName(link.name, tool.name, rule);
      if (byName.has(exposed)) continue;
      const entry = { exposed, member: link.name, tool };
      list.push(entry);
      byName.set(exposed, entry);
    }
  }
  return { list, byName };
}
