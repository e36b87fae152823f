import type { ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { BackendFactory, McpBackend } from './backend.js';
import { BackendHealth } from './backends/backend-health.js';
import type { BackendRecipe, CompiledMcpServer } from './types.js';

/** What a member said about itself when an upstream session initialized. */
export interface MemberInfo {
  /** Its `serverInfo.version`. */
  readonly version: string | undefined;
  readonly capabilities: ServerCapabilities;
  readonly instructions: string | undefined;
}

/**
 * A backend that is built, the recipe hash it was built from, and what its upstream sessions taught us. The
 * learnt parts belong to this entry, so a replaced backend starts over knowing nothing.
 */
export interface PooledBackend {
  readonly hash: string;
  readonly backend: McpBackend;
  /** The member's identity and capabilities as of the latest upstream session; lets sessions initialize without one. */
  info: MemberInfo | undefined;
  /**
   * By client capabilities (capabilityKey): the tools the latest upstream session opened with them listed, one
   * copy shared by every session that listed the same ones. A server may register tools from the capabilities a
   * client declares, so a listing is only ever reused for sessions that declared the same.
   */
  readonly tools: Map<string, LearntTools>;
}

/** One listing of a member's tools and its JSON, to recognise an identical one. */
export interface LearntTools {
  readonly tools: readonly Tool[];
  readonly json: string;
}

/**
 * Long-lived backends keyed by server name + recipe hash, reconciled against each new snapshot: unchanged
 * servers keep theirs; changed ones get a new one (the old one is closed); removed ones are closed.
 * A kind without a factory yet (remote, stdio before their issue lands) yields a backend that refuses to connect.
 */
export class BackendPool {
  private readonly entries = new Map<string, PooledBackend>();

  constructor(
    private readonly factories: ReadonlyMap<BackendRecipe['kind'], BackendFactory>,
    private readonly log: Logger,
  ) {}

  /** The current backend for server `name`. */
  get(name: string): PooledBackend | undefined {
    return this.entries.get(name);
  }

  /** The health signal of every backend that has one (stdio, remote: not the in-process kinds), for status output. */
  health(): Array<{ server: string; kind: BackendRecipe['kind']; health: BackendHealth }> {
    const out: Array<{ server: string; kind: BackendRecipe['kind']; health: BackendHealth }> = [];
    for (const [server, { backend }] of this.entries) {
      const health = (backend as { health?: unknown }).health;
      if (health instanceof BackendHealth) out.push({ server, kind: backend.kind, health });
    }
    return out;
  }

  /** Brings the pool in line with `servers`; returns the names whose backend was replaced or removed. */
  reconcile(servers: ReadonlyMap<string, CompiledMcpServer>): Set<string> {
    const changed = new Set<string>();
    for (const [name, entry] of this.entries) {
      const next = servers.get(name);
      if (next?.backend && next.backendHash === entry.hash) continue;
      this.entries.delete(name);
      changed.add(name);
      this.closeQuietly(name, entry.backend);
    }
    for (const [name, server] of servers) {
      if (!server.backend || this.entries.has(name)) continue;
      this.entries.set(name, { hash: server.backendHash, backend: this.build(name, server.backend), info: undefined, tools: new Map() });
    }
    return changed;
  }

  /** Closes every backend (gateway shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.entries.entries()];
    this.entries.clear();
    await Promise.all(all.map(([name, e]) => this.closeQuietly(name, e.backend)));
  }

  private build(name: string, recipe: BackendRecipe): McpBackend {
    const factory = this.factories.get(recipe.kind);
    if (factory) return factory(recipe, name);
    return {
      kind: recipe.kind,
      connect: () => Promise.reject(new Error(`server "${name}": ${recipe.kind} backends are not available in this build`)),
      close: async () => {},
    };
  }

  private async closeQuietly(name: string, backend: McpBackend): Promise<void> {
    try {
      await backend.close();
    } catch (err) {
      this.log.warn({ err, server: name }, 'mcp backend did not close cleanly');
    }
  }
}

/** `info` as the pooled copy when it says the same (sessions share one), else `info`, now the pooled copy. */
export function learnInfo(pooled: PooledBackend, info: MemberInfo): MemberInfo {
  const known = pooled.info;
  if (known && known.version === info.version && known.instructions === info.instructions && sameJson(known.capabilities, info.capabilities)) return known;
  pooled.info = info;
  return info;
}

/**
 * `tools` as the pooled copy when an earlier upstream session opened with the client capabilities `capsKey`
 * listed the same ones, else `tools`, now the pooled copy for `capsKey`.
 */
export function learnTools(pooled: PooledBackend, capsKey: string, tools: readonly Tool[]): readonly Tool[] {
  const json = JSON.stringify(tools);
  const known = pooled.tools.get(capsKey);
  if (known && known.json === json) return known.tools;
  pooled.tools.set(capsKey, { tools, json });
  return tools;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
