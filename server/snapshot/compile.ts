import type { Registry } from '../../registry/index.js';
import { compileHttp, type HttpCompileDeps } from './compile-http.js';
import { compileMcp, type McpCompileDeps } from './compile-mcp.js';
import { compileLlm, type LlmCompileDeps } from './compile-llm.js';
import type { Snapshot } from './snapshot.js';

/** Everything the subsystems' compilers need besides the registry. */
export interface CompileDeps {
  readonly http: HttpCompileDeps;
  readonly mcp: McpCompileDeps;
  readonly llm?: LlmCompileDeps;
}

/**
 * Reads the registry in one transaction (one consistent version) and builds every subsystem's part.
 * A bad row takes out only its own entity (and what cannot work without it: a route to a held-back upstream);
 * the snapshot serves everything else and lists what it held back. Issue 13: one bad consumer used to freeze
 * every later change.
 */
export function compileSnapshot(registry: Registry, deps: CompileDeps): Snapshot {
  return registry.db.transaction(() => {
    const version = registry.version();
    const problems: string[] = [];
    const http = compileHttp(registry, deps.http, problems);
    const part = { registry, consumers: http.consumers, problems };
    const mcp = compileMcp(part, deps.mcp);
    const llm = deps.llm ? compileLlm(part, deps.llm) : undefined;
    return Object.freeze({
      version,
      builtAt: new Date(),
      http,
      mcp,
      llm,
      stats: Object.freeze({
        routes: http.routeCount,
        upstreams: http.upstreamCount,
        mcpServers: mcp.serverCount,
        ...(llm && { llmRoutes: llm.routeCount, llmProviders: llm.providerCount }),
      }),
      heldBack: Object.freeze(problems),
    });
  })();
}
