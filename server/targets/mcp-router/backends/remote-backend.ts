import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { BackendFactory, ConnectOptions } from '../backend.js';
import type { BackendRecipe } from '../types.js';
import { BackendHealth, type SupervisedBackend } from './backend-health.js';
import { resolveRemoteOptions, type RemoteBackendOptions, type RemoteTuning } from './options.js';
import { RemoteTransport } from './remote-transport.js';
import { RequestGate } from './request-gate.js';
import { BrokeredAuth } from './brokered-auth.js';
import { upstreamTokenSource, type TokenEndpoint, type UpstreamTokenSource } from '../../../auth/upstream-tokens.js';
import { VaultAuth } from './vault-auth.js';
import type { ConsentEndpoint, TokenVault } from '../../../auth/vault/index.js';
import { SOLE_REPLICA, type ReplicaCount } from '../../../shared-state/index.js';

/** What the remote factory needs besides the recipe. */
export interface RemoteBackendDeps {
  readonly log: Logger;
  /** Defaults for tuning the registry spec does not set. */
  readonly defaults?: Partial<RemoteTuning>;
  /** The per-user token vault, for servers with `upstreamAuth.type: authorization_code`. */
  readonly vault?: TokenVault;
  /**
   * The replicas sharing this gateway's Redis: `maxConcurrentRequests` is the server's total over all of them, so
   * each process's gate admits its even share (at least 1). One process when absent.
   */
  readonly replicas?: ReplicaCount;
}

/**
 * A remote MCP server (Streamable HTTP or HTTP+SSE) as a router backend. Each `connect()` is one upstream
 * session; they share one connection pool, and one health signal (ready after an `initialize` succeeds, down
 * when the upstream cannot be reached).
 */
export class RemoteBackend implements SupervisedBackend {
  readonly kind = 'remote' as const;
  /** Ready, down, … with a change feed. */
  readonly health: BackendHealth;
  /** Client headers the router may hand us on tools/call (configured passthrough). */
  readonly passthroughHeaders: readonly string[];
  /** One connection pool for all sessions: its connect timeout is the server's, closing it closes the sockets. */
  private readonly agent: Agent;
  /** At most `maxConcurrentRequests` requests in flight, over all sessions. */
  private readonly gate: RequestGate;
  /** The brokered tokens (`upstreamAuth`): its endpoint and one cache for all sessions (token exchange: per user). */
  private readonly brokered: { endpoint: TokenEndpoint; tokens: UpstreamTokenSource } | undefined;
  /** The per-user vault's endpoint (`authorization_code`): each session gets its consumer's own token. */
  private readonly consent: { vault: TokenVault; endpoint: ConsentEndpoint } | undefined;
  /** The vault's endpoint, when each consumer must consent (the router asks them). */
  readonly perUserConsent: ConsentEndpoint | undefined;
  private readonly open = new Set<RemoteTransport>();
  private readonly log: Logger;
  private closed = false;

  /** Stops following the replica count. */
  private readonly unwatchReplicas: () => void;

  constructor(
    readonly options: RemoteBackendOptions,
    deps: RemoteBackendDeps,
  ) {
    const { log, vault, replicas = SOLE_REPLICA } = deps;
    this.log = log.child({ server: options.name });
    this.health = new BackendHealth(options.name);
    this.passthroughHeaders = options.passthroughHeaders;
    // Headers must arrive before the request deadline can fire; a stream's body may then idle for long (each
    // request has its own deadline in the transport).
    const headersTimeout = options.requestTimeoutMs > 0 ? options.requestTimeoutMs + 1_000 : 0;
    this.agent = new Agent({ connect: { timeout: options.connectTimeoutMs }, headersTimeout, bodyTimeout: 0 });
    this.gate = new RequestGate(shareOf(options.maxConcurrentRequests, replicas.current()));
    this.unwatchReplicas = replicas.watch((count) => this.gate.setLimit(shareOf(options.maxConcurrentRequests, count)));
    const auth = options.upstreamAuth;
    if (auth?.type === 'authorization_code') {
      this.consent = vault && { vault, endpoint: auth };
      this.perUserConsent = auth;
    }
    else this.brokered = auth && { endpoint: auth, tokens: upstreamTokenSource(auth) };
  }

  /** Opens one upstream session (the network is used when the client starts and initializes it). */
  async connect(connectOptions?: ConnectOptions): Promise<Transport> {
    if (this.closed) throw new Error(`MCP server "${this.options.name}": backend is closed`);
    const headers: Record<string, string> = { ...this.options.headers, ...connectOptions?.headers };
    const transport: RemoteTransport = new RemoteTransport({
      options: this.options,
      headers,
      dispatcher: this.agent,
      health: this.health,
      gate: this.gate,
      broker: this.sessionAuth(connectOptions),
      log: this.log,
      onClosed: () => this.open.delete(transport),
      resume: connectOptions?.resume,
      probe: connectOptions?.probe,
    });
    this.open.add(transport);
    return transport;
  }

  /**
   * The brokered token of one upstream session: the vault's token of the session's consumer, or the token from the
   * authorization server (token exchange: for the session's client, whose Authorization it reads at each send).
   */
  private sessionAuth(connectOptions: ConnectOptions | undefined): BrokeredAuth | VaultAuth | undefined {
    const server = this.options.name;
    if (this.consent) return new VaultAuth({ ...this.consent, server, consumer: connectOptions?.consumer });
    return this.brokered && new BrokeredAuth({ ...this.brokered, server, inbound: connectOptions?.inboundAuthorization });
  }

  /** Closes every upstream session and the connection pool. */
  async close(): Promise<void> {
    this.closed = true;
    this.unwatchReplicas();
    await Promise.all([...this.open].map((t) => t.close()));
    await this.agent.close().catch(() => {});
    this.health.set('stopped', 'closed');
  }
}

/** The `remote` backend factory for the router; `name` is the MCP server's name. */
export function createRemoteBackendFactory(deps: RemoteBackendDeps): BackendFactory {
  return (recipe: BackendRecipe, name: string) => {
    if (recipe.kind !== 'remote' || recipe.spec.kind !== 'remote') throw new Error(`the remote factory cannot build a ${recipe.kind} backend`);
    return new RemoteBackend({ ...resolveRemoteOptions(name, recipe.spec, deps.defaults), upstreamAuth: recipe.upstreamAuth }, deps);
  };
}

/**
 * One replica's even share of a server's total `limit` over `replicas` (0: no limit), never below 1 so every
 * replica can still reach the server: together they keep the total while there are no more replicas than it.
 */
export function shareOf(limit: number, replicas: number): number {
  return limit === 0 ? 0 : Math.max(1, Math.floor(limit / Math.max(1, replicas)));
}
