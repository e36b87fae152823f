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
});
