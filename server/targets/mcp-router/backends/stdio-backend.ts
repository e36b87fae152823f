import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import type { BackendFactory, ConnectOptions } from '../backend.js';
import type { BackendRecipe } from '../types.js';
import type { BackendHealth, SupervisedBackend } from './backend-health.js';
import { resolveStdioOptions, type StdioBackendOptions, type StdioBackendSpec, type StdioTuning } from './options.js';
import { StdioSupervisor } from './stdio-supervisor.js';

/** What the stdio factory needs besides the recipe. */
export interface StdioBackendDeps {
  /** stderr lines and supervision events go here, tagged with the server name. */
  readonly log: Logger;
  /** Defaults for tuning the registry spec does not set. */
  readonly defaults?: Partial<StdioTuning>;
}

/** A stdio server as a router backend: each `connect()` is one upstream MCP session on a supervised process. */
export class StdioBackend implements SupervisedBackend {
  readonly kind = 'stdio' as const;
  private readonly supervisor: StdioSupervisor;

  constructor(
    readonly options: StdioBackendOptions,
    log: Logger,
  ) {
    this.supervisor = new StdioSupervisor(options, log);
  }

  /** Starting, ready, down or crash-looping, with a change feed. */
  get health(): BackendHealth {
    return this.supervisor.health;
  }

  /** Process ids running now. */
  get pids(): number[] {
    return this.supervisor.pids;
  }

  /**
   * Opens one upstream session (starting the process if needed) for a client with `options.clientCapabilities`;
   * rejects fast while crash-looping.
   */
  connect(options?: ConnectOptions): Promise<Transport> {
    return this.supervisor.connect(options);
  }

  /** Stops every process of this server. */
  close(): Promise<void> {
    return this.supervisor.close();
  }
}

/**
 * The `stdio` backend factory for the router. `name` is the MCP server's name (logs, errors).
 */
export function createStdioBackendFactory(deps: StdioBackendDeps): BackendFactory {
  return (recipe: BackendRecipe, name: string) => {
    if (recipe.kind !== 'stdio' || recipe.spec.kind !== 'stdio') throw new Error(`the stdio factory cannot build a ${recipe.kind} backend`);
    const spec: StdioBackendSpec = recipe.spec;
    return new StdioBackend(resolveStdioOptions(name, spec, deps.defaults), deps.log);
  };
}
