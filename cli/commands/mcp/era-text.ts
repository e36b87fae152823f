import { shownEra, type McpMemberEra, type McpServerSpec, type ShownEra } from '../../../registry/index.js';

export { shownEra, type ShownEra };

/** One line: `2026-07-28 (learnt at …)`, `2025-11-25 (learnt at …)`, `unknown (probe failed: HTTP 503 at …)`, `hosted: both`. */
export function eraText(shown: ShownEra): string {
  if (shown.era === 'both') return 'hosted: both (2025 and 2026-07-28)';
  if (shown.era === 'unknown') return shown.lastError ? `unknown (probe failed: ${shown.lastError} at ${shown.lastErrorAt})` : 'unknown (not probed yet)';
  const stale = shown.lastError ? `; last probe failed: ${shown.lastError} at ${shown.lastErrorAt}` : '';
  return `${shown.protocolVersion} (${shown.era}, learnt at ${shown.learntAt}${stale})`;
}

/** Every remote and stdio MCP server with its era (from the registry: no gateway needs to run). */
export function memberEras(r: { mcpServers: { list(): McpServerSpec[] }; memberEras: { get(name: string): McpMemberEra | undefined } }): Array<{ server: string; kind: string } & ShownEra> {
  return r.mcpServers
    .list()
    .filter((s) => s.backend.kind === 'remote' || s.backend.kind === 'stdio')
    .map((s) => ({ server: s.name, kind: s.backend.kind, ...shownEra(s.backend.kind, r.memberEras.get(s.name)) }));
}

/** `agate status` lines: one per remote or stdio MCP server. */
export function eraLines(eras: ReadonlyArray<{ server: string; kind: string } & ShownEra>): string[] {
  if (eras.length === 0) return [];
  const width = Math.max(...eras.map((e) => e.server.length));
  return ['mcp eras', ...eras.map((e) => `  ${e.server.padEnd(width)}  ${e.kind.padEnd(6)}  ${eraText(e)}`)];
}
