import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/**
 * A stable key for a set of client capabilities (object keys sorted at every level), so that what a server did
 * for one set (the tools it registered, the process it initialized) is only reused for sessions that declared
 * the same set: servers may register tools from the capabilities a client declared (server-everything adds its
 * sampling, elicitation and roots tools only for clients that have them).
 */
export function capabilityKey(capabilities: ClientCapabilities | undefined): string {
  return canonicalJson(capabilities ?? {});
}

/** `capabilities` without `roots`: what a process shared between sessions is told (roots are one session's). */
export function withoutRoots(capabilities: ClientCapabilities | undefined): ClientCapabilities {
  const { roots: _roots, ...rest } = capabilities ?? {};
  return rest;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
