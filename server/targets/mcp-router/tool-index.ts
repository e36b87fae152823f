import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ToolRouter } from '../../routing/tool-router.js';
import type { MemberLink } from './member-link.js';
import { exposedName, type NamingRule } from './naming.js';

/** A tool as exposed at an endpoint, with where it really lives. */
export interface IndexedTool {
  /** The name clients see (prefixed and fitted). */
  readonly exposed: string;
  readonly member: string;
  readonly tool: Tool;
}

/** What an exposed name routes to: a listed tool, or only the member whose prefix it carries (tool not listed). */
export type ToolRoute = IndexedTool | { readonly member: string; readonly tool?: undefined };

/** The endpoint's current tools: list order (members in order, then upstream order) and routing by name. */
export interface ToolIndex {
  readonly list: readonly IndexedTool[];
  /** Exposed name → listed tool, else → the member its prefix names (to say why it is not listed). Built once, then only read. */
  readonly router: Pick<ToolRouter<ToolRoute>, 'match'>;
}

/** The index of an endpoint with no members (yet): one shared object. */
export const EMPTY_INDEX: ToolIndex = Object.freeze({ list: Object.freeze([]), router: new ToolRouter<ToolRoute>() });

/**
 * Indexes the tools of the links that are up. Without prefixes two members may offer the same name: the
 * first member wins, and the other's tool is left out rather than made ambiguous. `memberTools` (a bundle's
 * per-member allow lists, upstream names) leaves out what a member is not meant to expose here. Every link, up
 * or not, routes the names under its prefix to itself (with one member and no prefixes, every name).
 */
export function indexTools(links: readonly MemberLink[], rule: NamingRule, memberTools?: Readonly<Record<string, readonly string[]>>): ToolIndex {
  if (links.length === 0) return EMPTY_INDEX;
  const list: IndexedTool[] = [];
  const router = new ToolRouter<ToolRoute>();
  links.forEach((link, order) => {
    if (rule.prefixed || links.length === 1) router.add({ name: rule.prefixed ? link.name + rule.separator : '', kind: 'prefix', order }, { member: link.name });
    if (link.state !== 'ready') return;
    const allowed = memberTools?.[link.name];
    for (const tool of link.tools) {
      if (allowed && !allowed.includes(tool.name)) continue;
      const exposed = exposedName(link.name, tool.name, rule);
      if (router.match(exposed)?.tool) continue;
      const entry = { exposed, member: link.name, tool };
      list.push(entry);
      router.add({ name: exposed, kind: 'exact', order }, entry);
    }
  });
  return { list, router };
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
