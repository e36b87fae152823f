import type { IsomorphicHeaders } from '@modelcontextprotocol/sdk/types.js';
import { PASSTHROUGH_QUERY_PREFIX as QUERY_PREFIX } from '../../../servers/index.js';

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
 * agate's own consumer credentials never leave the gateway: a `Bearer` Authorization header reaching the router
 * has been verified by the auth filter (which reads Authorization first) as an agate key or JWT, and so has `x-api-key` when no
 * Bearer header came with it. Basic credentials and other headers are the client's to pass on.
 */
export function passthroughHeaders(client: ClientRequest, wanted: readonly string[] | undefined): Record<string, string> | undefined {
  const { headers, url } = client;
  if (!headers || !wanted || wanted.length === 0) return undefined;
  const bearer = /^Bearer\s/i.test(headerValue(headers, 'authorization') ?? '');
  const out: Record<string, string> = {};
  for (const name of wanted) {
    if (name.startsWith(QUERY_PREFIX)) {
      const value = url?.searchParams.get(name.slice(QUERY_PREFIX.length));
      if (value) out[name] = value;
      continue;
    }
    if (name === 'authorization' && bearer) continue;
    if (name === 'x-api-key' && !bearer) continue;
    const value = headerValue(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

function headerValue(headers: IsomorphicHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
