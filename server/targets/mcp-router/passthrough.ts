import type { IsomorphicHeaders } from '@modelcontextprotocol/sdk/types.js';

/**
 * The client headers a backend receives for credential passthrough (REST `passthrough: true`,
 * `passthroughAuthHeader`), as the `io.agate/passthrough-auth` `_meta` object (lower-case name → value).
 *
 * agate's own consumer credentials never leave the gateway: a `Bearer` Authorization header reaching the router
 * has been verified by the auth filter (which reads Authorization first) as an agate key or JWT, and so has `x-api-key` when no
 * Bearer header came with it. Basic credentials and other headers are the client's to pass on.
 */
export function passthroughHeaders(headers: IsomorphicHeaders | undefined, wanted: readonly string[] | undefined): Record<string, string> | undefined {
  if (!headers || !wanted || wanted.length === 0) return undefined;
  const bearer = /^Bearer\s/i.test(headerValue(headers, 'authorization') ?? '');
  const out: Record<string, string> = {};
  for (const name of wanted) {
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
