import type { Logger } from 'pino';
import type { BackendFactory, McpBackend } from './backend.js';
import type { BackendRecipe, CompiledMcpServer } from './types.js';

/** A backend that is built and the recipe hash it was built from. */
export interface PooledBackend {
  readonly hash: string;
  readonly backend: McpBackend;
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
      this.entries.set(name, { hash: server.backendHash, backend: this.build(name, server.backend) });
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
