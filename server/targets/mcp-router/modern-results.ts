import type { Implementation, InitializeResult, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ALL_PROTOCOL_VERSIONS } from './downstream/era.js';
import { META } from './modern-protocol.js';
import type { McpPolicy } from './policy.js';
import { recipePassthrough } from './passthrough.js';
import type { CompiledMcpServer } from './types.js';

// How a result the router produced (era-neutral, 2025-shaped) is worded for a 2026-07-28 client: `resultType`
// on every result (changelog 8), the server's identity in `_meta` (basic/index.mdx §_meta), and the caching hints
// server/utilities/caching.mdx requires on list, read and discover results.

/** Who may share a cached answer: `public` only when every consumer gets the same one. */
export type CacheScope = 'public' | 'private';

/** What every modern result of one request is stamped with. */
export interface ModernStamp {
  readonly serverInfo: Implementation;
  readonly scope: CacheScope;
}

/**
 * Freshness of list and discover results, ms. Short: a client that does not hold a subscriptions/listen stream
 * hears of no change, and tool sets change with config or a member's own change.
 */
export const LIST_TTL_MS = 30_000;

/** The operations caching.mdx §Cacheable Results names, and the TTL each gets (resource contents: always re-read). */
const CACHEABLE: Readonly<Record<string, number>> = Object.freeze({
  'server/discover': LIST_TTL_MS,
  'tools/list': LIST_TTL_MS,
  'prompts/list': LIST_TTL_MS,
  'resources/list': LIST_TTL_MS,
  'resources/templates/list': LIST_TTL_MS,
  'resources/read': 0,
});

/** A router result as a 2026-07-28 result of `method`. */
export function modernResult(method: string, result: Record<string, unknown>, stamp: ModernStamp): Record<string, unknown> {
  const meta = { ...(result._meta as Record<string, unknown> | undefined), [META.serverInfo]: stamp.serverInfo };
  const ttlMs = Object.hasOwn(CACHEABLE, method) ? CACHEABLE[method] : undefined;
  return { ...result, resultType: result.resultType ?? 'complete', _meta: meta, ...(ttlMs === undefined ? {} : { ttlMs, cacheScope: stamp.scope }) };
}

/** The answer to `server/discover`, from what the router answers `initialize` with (server/discover.mdx). */
export function discoverResult(init: InitializeResult, stamp: ModernStamp): Record<string, unknown> {
  const result = { supportedVersions: [...ALL_PROTOCOL_VERSIONS], capabilities: modernCapabilities(init.capabilities), ...(init.instructions ? { instructions: init.instructions } : {}) };
  return modernResult('server/discover', result, stamp);
}

/**
 * The capabilities a 2026 client may rely on: the router's, whose change notifications and resource subscriptions
 * a 2026 client gets through subscriptions/listen (downstream/serve-listen.ts).
 */
function modernCapabilities(caps: ServerCapabilities): ServerCapabilities {
  const out: ServerCapabilities = {};
  if (caps.tools) out.tools = caps.tools.listChanged ? { listChanged: true } : {};
  if (caps.resources) out.resources = { ...(caps.resources.subscribe ? { subscribe: true } : {}), ...(caps.resources.listChanged ? { listChanged: true } : {}) };
  if (caps.prompts) out.prompts = caps.prompts.listChanged ? { listChanged: true } : {};
  if (caps.completions) out.completions = {};
  if (caps.logging) out.logging = {};
  return out;
}

/**
 * Whether every consumer gets the same lists and contents from `server` (caching.mdx §Choosing a Cache Scope):
 * no consumer or per-consumer tool lists in its policy (nor in any bundle member's), and no backend that answers
 * per consumer (REST consumer settings, credential passthrough, a remote server's token exchange or token vault:
 * its upstream sees each user's own token). Anything else is `private`.
 */
export function cacheScopeOf(server: CompiledMcpServer, lookup: (name: string) => CompiledMcpServer | undefined): CacheScope {
  if (!samePolicyForAll(server.policy)) return 'private';
  const bundle = server.bundle;
  if (!bundle) return sameBackendForAll(server) ? 'public' : 'private';
  const shared = bundle.members.every((m) => {
    const policy = bundle.policies.get(m);
    const member = lookup(m);
    return policy !== undefined && member !== undefined && samePolicyForAll(policy) && sameBackendForAll(member);
  });
  return shared ? 'public' : 'private';
}

function samePolicyForAll(policy: McpPolicy): boolean {
  return policy.consumers === undefined && Object.keys(policy.tools).length === 0;
}

function sameBackendForAll(server: CompiledMcpServer): boolean {
  const backend = server.backend;
  if (!backend) return false;
  if (backend.kind === 'remote') return recipePassthrough(backend).length === 0 && backend.upstreamAuth?.type !== 'authorization_code';
  if (backend.kind !== 'hosted' && backend.kind !== 'rest') return true;
  return (backend.passthroughHeaders?.length ?? 0) === 0 && (backend.consumerSettings?.size ?? 0) === 0;
}
