// What marks the 2026-07-28 era on the wire, for agate as a server (downstream/era.ts) and as a client (the era
// probe): its revisions and the reserved `_meta` keys. A leaf module, so both sides import it without a cycle.

/** Modern (per-request metadata) revisions agate serves, newest first. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = Object.freeze(['2026-07-28']);

/** The reserved `_meta` keys of a modern request and result (basic/index.mdx §_meta). */
export const META = Object.freeze({
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  /** On each message of a `subscriptions/listen` stream: the listen request's id. */
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
});

/**
 * The 2026-07-28 request whose answer is a stream lasting as long as the subscription (subscriptions/listen.mdx):
 * it gets no request deadline and takes no place among a backend's requests in flight.
 */
export const LISTEN_METHOD = 'subscriptions/listen';

/**
 * agate's own `_meta` key on a 2026 member's `input_required` result passed on for a 2026 client
 * (era/input-exchanges.ts): the member's name, which downstream/member-input.ts seals into the client's
 * requestState (and takes out of the result).
 */
export const INPUT_FROM_META = 'io.agate/inputFrom';

/** The body field `Mcp-Name` mirrors, by method (streamable-http.mdx §Standard Request Headers). */
export const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = Object.freeze({ 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' });

/** The start and end of a Base64-encoded header value (streamable-http.mdx §Value Encoding). */
export const SENTINEL_PREFIX = '=?base64?';
export const SENTINEL_SUFFIX = '?=';

/**
 * The headers a modern request carries beside its body (streamable-http.mdx §Request Metadata): derived from the
 * request itself, as the v2 SDK's client transport does, when its `_meta` names a modern revision; none otherwise,
 * so no 2026 header ever goes on a 2025 exchange.
 */
export function modernRequestHeaders(message: { method?: unknown; params?: unknown }): Record<string, string> | undefined {
  const params = typeof message.params === 'object' && message.params !== null ? (message.params as Record<string, unknown>) : undefined;
  const meta = params?._meta as Record<string, unknown> | undefined;
  const version = meta?.[META.protocolVersion];
  if (typeof message.method !== 'string' || typeof version !== 'string' || !MODERN_PROTOCOL_VERSIONS.includes(version)) return undefined;
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': message.method };
  const field = Object.hasOwn(NAME_SOURCE, message.method) ? NAME_SOURCE[message.method] : undefined;
  const name = field ? params?.[field] : undefined;
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  return headers;
}

/** A header value as sent: itself when it is plain printable ASCII, else the Base64 sentinel form (§Value Encoding). */
function encodeHeaderValue(value: string): string {
  const plain = value.length > 0 && value === value.trim() && !(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX)) && /^[\t\x20-\x7e]*$/.test(value);
  return plain ? value : `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}`;
}
