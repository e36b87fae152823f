import type { IsomorphicHeaders } from '@modelcontextprotocol/sdk/types.js';
import { PASSTHROUGH_QUERY_PREFIX as QUERY_PREFIX } from '../../../servers/index.js';
import type { BackendRecipe, CompiledMcpServer } from './types.js';
import { remotePassthroughHeaders } from './backends/options.js';

/** The client request a tools/call came in: its headers and URL. */
interface ClientRequest {
  readonly headers: IsomorphicHeaders | undefined;
  readonly url?: URL;
}

/**
 * The client headers a backend receives for credential passthrough (REST `passthrough: true`,
 * `passthroughAuthHeader`), as the `io.agate/passthrough-auth` `_meta` object (lower-case name → value);
 * a wanted `query:<name>` is the client URL's query parameter (an apiKey scheme `in: query`, as Higress
 * reads it off `:path`). MCP endpoints never take agate's own key from the query, so none can leak that way.
 *
 * agate's own consumer credentials never leave the gateway: on an endpoint that passes a header through, the auth
 * filter does not read that header as agate's credential, and refuses the request when it holds one anyway
 * (`endpointPassthrough` tells it which headers; a bundle's are the union of its members').
 */
export function passthroughHeaders(client: ClientRequest, wanted: readonly string[] | undefined): Record<string, string> | undefined {
  const { headers, url } = client;
  if (!headers || !wanted || wanted.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const name of wanted) {
    if (name.startsWith(QUERY_PREFIX)) {
      const value = url?.searchParams.get(name.slice(QUERY_PREFIX.length));
      if (value) out[name] = value;
      continue;
    }
    const value = headerValue(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

function headerValue(headers: IsomorphicHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The client headers (and `query:` parameters) a backend built from `recipe` is configured to receive. */
export function recipePassthrough(recipe: BackendRecipe | undefined): readonly string[] {
  if (!recipe) return [];
  if (!('spec' in recipe)) return recipe.passthroughHeaders ?? [];
  return recipe.spec.kind === 'remote' ? remotePassthroughHeaders(recipe.spec) : [];
}

/**
 * Server name → the client headers its endpoint passes through (for a bundle, any member's): agate's auth filter
 * leaves them to the upstream. Servers that pass none are absent.
 */
export function endpointPassthrough(servers: ReadonlyMap<string, CompiledMcpServer>): ReadonlyMap<string, ReadonlySet<string>> {
  const out = new Map<string, ReadonlySet<string>>();
  for (const server of servers.values()) {
    const members = server.bundle ? server.bundle.members.map((m) => servers.get(m)?.backend) : [server.backend];
    const names = new Set(members.flatMap((r) => recipePassthrough(r)).filter((n) => !n.startsWith(QUERY_PREFIX)));
    if (names.size > 0) out.set(server.name, names);
  }
  return out;
}
