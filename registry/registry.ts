import { DEFAULT_BUSY_TIMEOUT_MS, looseFileModes, openDb, type Db, type OpenDbOptions } from './db.js';
import { AuditRepo } from './audit-repo.js';
import { createRoutesRepo, type RouteSpec } from './routes-repo.js';
import { createUpstreamsRepo, type UpstreamSpec } from './upstreams-repo.js';
import { ConsumersRepo } from './consumers-repo.js';
import { SecretsRepo } from './secrets-repo.js';
import { VaultTokensRepo } from './vault-tokens-repo.js';
import { SecretBox, SecretKeyError, loadSecretKey } from './secret-box.js';
import { isSealed } from './secret-fields.js';
import { openRouteHeaders } from './routes-repo.js';
import { createMcpServersRepo, openMcpServer, type McpServerSpec } from './mcp-servers-repo.js';
import { createLlmProvidersRepo, type LlmProviderSpec } from './llm-providers-repo.js';
import { createLlmRoutesRepo, type LlmRouteSpec } from './llm-routes-repo.js';
import { LlmUsageRepo } from './llm-usage-repo.js';
import { GatewayInstancesRepo } from './gateway-instances-repo.js';
import { McpMemberErasRepo } from './mcp-member-eras-repo.js';
import type { SpecStore } from './spec-store.js';
import { WriteGuard, type ConfigCheck, type EntityRef } from './config-check.js';

/** The result of {@link Registry.tryWrite}: the value, or the error and whether it was another process's lock. */
type WriteAttempt<T> = { ok: true; value: T } | { ok: false; busy: boolean; error: Error };

/** Whether `err` is SQLite's SQLITE_BUSY (or an extended BUSY code): another connection holds the lock. */
function isBusy(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');
}

/** The registry: one SQLite file, one repository per entity. */
export class Registry {
  readonly audit: AuditRepo;
  readonly routes: SpecStore<RouteSpec>;
  readonly upstreams: SpecStore<UpstreamSpec>;
  readonly consumers: ConsumersRepo;
  readonly mcpServers: SpecStore<McpServerSpec>;
  readonly llmProviders: SpecStore<LlmProviderSpec>;
  readonly llmRoutes: SpecStore<LlmRouteSpec>;
  readonly llmUsage: LlmUsageRepo;
  readonly instances: GatewayInstancesRepo;
  /** The per-user token vault: upstream OAuth tokens per (consumer, MCP server), sealed. */
  readonly vaultTokens: VaultTokensRepo;
  /** The protocol era gateways learnt for each remote and stdio MCP member. */
  readonly memberEras: McpMemberErasRepo;
  /** Refuses writes the gateway would hold back, once a check is installed ({@link installConfigCheck}). */
  readonly guard = new WriteGuard();
  private secretsRepo?: SecretsRepo;
  private box?: SecretBox;
  private readonly versionStmt;

  private constructor(
    readonly db: Db,
    readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.audit = new AuditRepo(db);
    this.routes = createRoutesRepo(db, this.audit, () => this.secretBox());
    this.upstreams = createUpstreamsRepo(db, this.audit);
    this.consumers = new ConsumersRepo(db, this.audit, () => this.secrets);
    this.mcpServers = createMcpServersRepo(db, this.audit, () => this.secretBox());
    this.llmProviders = createLlmProvidersRepo(db, this.audit);
    this.llmRoutes = createLlmRoutesRepo(db, this.audit);
    this.llmUsage = new LlmUsageRepo(db);
    this.instances = new GatewayInstancesRepo(db);
    this.vaultTokens = new VaultTokensRepo(db, this.audit, () => this.secretBox());
    this.memberEras = new McpMemberErasRepo(db);
    for (const store of [this.routes, this.upstreams, this.consumers.store, this.mcpServers, this.llmProviders, this.llmRoutes]) store.guard = this.guard;
    this.versionStmt = db.prepare('SELECT version FROM config_version WHERE id = 1').pluck();
  }

  /** Opens the registry at `path` (migrating it) and returns the repositories. */
  static open(path: string, options: OpenDbOptions = {}): Registry {
    return new Registry(openDb(path, options), path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  }

  /** Secrets; the key is loaded (or generated) on first use, so commands that never touch secrets skip it. */
  get secrets(): SecretsRepo {
    this.secretsRepo ??= new SecretsRepo(this.db, this.audit, this.secretBox());
    return this.secretsRepo;
  }

  /** The box sealing secrets and secret fields; its key is loaded (or generated) on first use. */
  secretBox(): SecretBox {
    this.box ??= new SecretBox(loadSecretKey(this.path, process.env, () => this.holdsSecrets()));
    return this.box;
  }

  /** Whether anything is stored encrypted: a secret, or a route or MCP server value sealed in place. */
  holdsSecrets(): boolean {
    return this.db.prepare(`SELECT EXISTS (SELECT 1 FROM secrets) OR EXISTS (SELECT 1 FROM routes WHERE spec LIKE '%"sealed:v1:%') OR EXISTS (SELECT 1 FROM mcp_servers WHERE spec LIKE '%"sealed:v1:%') OR EXISTS (SELECT 1 FROM vault_tokens)`).pluck().get() === 1;
  }

  /**
   * For the gateway's start: when values are stored encrypted, the key must be there and open one of them.
   * Throws a {@link SecretKeyError} saying what to restore, instead of a snapshot that rejects every entity.
   */
  checkSecretKey(): void {
    if (!this.holdsSecrets()) return;
    const box = this.secretBox();
    try {
      const name = this.db.prepare('SELECT name FROM secrets LIMIT 1').pluck().get() as string | undefined;
      if (name !== undefined) this.secrets.get(name);
      else {
        const route = this.routes.list().find((r) => Object.values({ ...r.requestHeaders?.set, ...r.requestHeaders?.add }).some(isSealed));
        if (route) openRouteHeaders(route, () => box);
        else {
          const server = this.mcpServers.list().find((m) => JSON.stringify(m.backend).includes('"sealed:v1:'));
          if (server) openMcpServer(server, () => box);
        }
      }
    } catch (err) {
      throw new SecretKeyError(
        `the secret key does not open the values stored in ${this.path} (${(err as Error).message}); ` +
          'restore the secret.key (or AGATE_SECRET_KEY) that was used with this registry',
      );
    }
  }

  /** Warnings about registry files that group or others can read. */
  fileWarnings(): string[] {
    return looseFileModes(this.path);
  }

  /** The config version: bumped by every committed change, from any process. */
  version(): number {
    return this.versionStmt.get() as number;
  }

  /** From now on every create and update also passes `check` (the snapshot compiler's checks). */
  installConfigCheck(check: ConfigCheck): void {
    this.guard.install(check);
  }

  /** Runs `write` (already inside a transaction) between two config checks of the `touched` entities. */
  guardWrite<T>(touched: readonly EntityRef[], write: () => T): T {
    return this.guard.around(touched, write);
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction: all of its writes commit, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Runs the write `fn` without waiting for another process's write lock: where a normal write would sleep in
   * SQLite's busy handler (blocking the event loop up to the busy timeout), this one fails at once with
   * `busy: true`, so a gateway can keep what it meant to write and retry later. `wait` keeps the normal busy
   * timeout (shutdown, when nothing is served any more).
   */
  tryWrite<T>(fn: () => T, options: { wait?: boolean } = {}): WriteAttempt<T> {
    if (!options.wait) this.db.pragma('busy_timeout = 0');
    try {
      return { ok: true, value: fn() };
    } catch (err) {
      return { ok: false, busy: isBusy(err), error: err as Error };
    } finally {
      if (!options.wait) this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  /** Whether nothing has been configured yet (first start). */
  isEmpty(): boolean {
    const row = this.db
      .prepare('SELECT (SELECT count(*) FROM routes) + (SELECT count(*) FROM mcp_servers) + (SELECT count(*) FROM upstreams) AS n')
      .get() as { n: number };
    return row.n === 0;
  }

  /** Closes the connection (checkpointing the WAL). */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
