import {
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  type ListPromptsResult,
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { decodeCursor, encodeCursor, type CompositeCursor } from './cursor.js';
import { JsonRpcCode, protocolError } from './mcp-errors.js';
import type { MemberLink } from './member-link.js';
import { memberAdmits } from './member-policy.js';
import { exposedName, exposedUri } from './naming.js';
import type { McpSession } from './session-view.js';

type ListMethod = 'resources/list' | 'resources/templates/list' | 'prompts/list';

/** One merged list request: what to list, how to ask a member for a page, and where the client is. */
interface PageSpec<T> {
  method: ListMethod;
  capability: keyof ServerCapabilities;
  /** The client's cursor (undefined for the first page). */
  cursor: string | undefined;
  /** Aborted when the client gave up. */
  signal: AbortSignal;
  fetch(link: MemberLink, cursor: string | undefined, signal: AbortSignal): Promise<{ items: T[]; nextCursor?: string }>;
}

/**
 * One page of a list merged from the members in order: each member's pages in turn, under a composite cursor
 * (member index + that member's cursor). A member that is down or fails is skipped, never fatal; one whose consumer
 * list refuses the session's consumer is skipped too.
 */
async function mergedPage<T>(session: McpSession, spec: PageSpec<T>) {
  const { cursor, signal } = spec;
  let position: CompositeCursor | undefined = decodeCursor(cursor);
  if (!position) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', ['unknown cursor']);
  const links = session.links;
  // Bounded: every step either moves to the next member or returns.
  while (position && position.m < links.length) {
    const link = links[position.m]!;
    const nextMember: CompositeCursor | undefined = position.m + 1 < links.length ? { m: position.m + 1 } : undefined;
    // A member the consumer may not use is not listed to them (nor opened for it).
    if (!memberAdmits(session, link.name)) {
      position = nextMember;
      continue;
    }
    // A member nothing is known about yet is asked; one known to lack the capability is not opened for it.
    if (link.capabilities === undefined) await link.open();
    if (!link.usable || link.capabilities?.[spec.capability] === undefined) {
      position = nextMember;
      continue;
    }
    let page: { items: T[]; nextCursor?: string };
    try {
      page = await spec.fetch(link, position.c, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      position = nextMember;
      continue;
    }
    const next = page.nextCursor !== undefined ? { m: position.m, c: page.nextCursor } : nextMember;
    if (page.items.length === 0 && next) {
      position = next;
      continue;
    }
    return { items: page.items, nextCursor: next && encodeCursor(next) };
  }
  return { items: [] as T[], nextCursor: undefined };
}

function withCursor<K extends string, T>(key: K, page: { items: T[]; nextCursor?: string }) {
  return { [key]: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } as { [P in K]: T[] } & { nextCursor?: string };
}

/** resources/list across members, URIs and names namespaced. */
export async function listResources(session: McpSession, cursor: string | undefined, signal: AbortSignal): Promise<ListResourcesResult> {
  const page = await mergedPage(session, {
    method: 'resources/list',
    capability: 'resources',
    cursor,
    signal,
    async fetch(link, c, s) {
      const res = await link.request({ method: 'resources/list', params: c ? { cursor: c } : {} }, ListResourcesResultSchema, { signal: s });
      const items = res.resources.map((r) => ({ ...r, uri: exposedUri(link.name, r.uri, session.rule), name: prefixed(session, link.name, r.name) }));
      return { items, nextCursor: res.nextCursor };
    },
  });
  return withCursor('resources', page);
}

/** resources/templates/list across members, URI templates namespaced like URIs. */
export async function listResourceTemplates(session: McpSession, cursor: string | undefined, signal: AbortSignal): Promise<ListResourceTemplatesResult> {
  const page = await mergedPage(session, {
    method: 'resources/templates/list',
    capability: 'resources',
    cursor,
    signal,
    async fetch(link, c, s) {
      const res = await link.request({ method: 'resources/templates/list', params: c ? { cursor: c } : {} }, ListResourceTemplatesResultSchema, { signal: s });
      const items = res.resourceTemplates.map((t) => ({
        ...t,
        uriTemplate: exposedUri(link.name, t.uriTemplate, session.rule),
        name: prefixed(session, link.name, t.name),
      }));
      return { items, nextCursor: res.nextCursor };
    },
  });
  return withCursor('resourceTemplates', page);
}

/** prompts/list across members, names namespaced like tools (and remembered, to route prompts/get back). */
export async function listPrompts(session: McpSession, cursor: string | undefined, signal: AbortSignal): Promise<ListPromptsResult> {
  const page = await mergedPage(session, {
    method: 'prompts/list',
    capability: 'prompts',
    cursor,
    signal,
    async fetch(link, c, s) {
      const res = await link.request({ method: 'prompts/list', params: c ? { cursor: c } : {} }, ListPromptsResultSchema, { signal: s });
      const items = res.prompts.map((p) => {
        const exposed = exposedName(link.name, p.name, session.rule);
        const names = (session.promptNames ??= new Map());
        if (names.size < 10_000) names.set(exposed, { member: link.name, name: p.name });
        return { ...p, name: exposed };
      });
      return { items, nextCursor: res.nextCursor };
    },
  });
  return withCursor('prompts', page);
}

function prefixed(session: McpSession, member: string, name: string): string {
  return session.rule.prefixed ? `${member}${session.rule.separator}${name}` : name;
}
