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

/** The index of an endpoint with no tools up (yet): one shared object. */
export const EMPTY_INDEX: ToolIndex = Object.freeze({ list: Object.freeze([]), byName: new Map<string, IndexedTool>() });

/**
 * Indexes the tools of the links that are up. Without prefixes two members may offer the same name: the
 * first member wins, and the other's tool is left out rather than made ambiguous. `memberTools` (a bundle's
 * per-member allow lists, upstream names) leaves out what a member is not meant to expose here.
 */
export function indexTools(links: readonly MemberLink[], rule: NamingRule, memberTools?: Readonly<Record<string, readonly string[]>>): ToolIndex {
  const list: IndexedTool[] = [];
  const byName = new Map<string, IndexedTool>();
  for (const link of links) {
    const allowed = memberTools?.[link.name];
    for (const tool of link.tools) {
      if (allowed && !allowed.includes(tool.name)) continue;
      const exposed = exposedName(link.name, tool.name, rule);
      if (byName.has(exposed)) continue;
      const entry = { exposed, member: link.name, tool };
      list.push(entry);
      byName.set(exposed, entry);
    }
  }
  return list.length === 0 ? EMPTY_INDEX : { list, byName };
}

/** Whether two indexes expose the same tools in the same order (what a client listing tools would see). */
export function sameTools(a: ToolIndex, b: ToolIndex): boolean {
  if (a === b) return true;
  if (a.list.length !== b.list.length) return false;
  return a.list.every((t, i) => {
    const u = b.list[i]!;
    return t.exposed === u.exposed && (t.tool === u.tool || JSON.stringify(t.tool) === JSON.stringify(u.tool));
  });
}
