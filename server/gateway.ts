import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Agent } from 'undici';
import { Registry, type AuditRetention, type BackendHealthReport, type GatewayInstance } from '../registry/index.js';
import { createLogger, type Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { AccessFeed } from './observability/access-feed.js';
import { HealthWatch, collectBackendHealth } from './observability/backend-health-report.js';
import { InstanceReporter } from './observability/instance-reporter.js';
import { observability } from './filters/observability.js';
import { HealthChecks, HttpProxyTarget, TargetStates } from './targets/http-proxy/index.js';
import type { RateLimitStore } from './rate-limit/index.js';
import { FIRST_CONNECT_WAIT_MS, openSharedState, type ReplicaCount } from './shared-state/index.js';
import { toBlockList } from './filters/ip-access.js';
import { createUpgradeHandler, type UpgradeHandler } from './ingress/upgrade.js';
import { countHeaders, refuseBadFraming } from './ingress/framing.js';
import { continueOnRead } from './ingress/expect-continue.js';
import { capConnectionsPerClient, listenerTimeouts, refuseStalledBodies, type ClientLimits } from './ingress/client-limits.js';
import { HostPolicy, isMcpRequest, refuseForeignHost } from './ingress/allowed-hosts.js';
import type { RouteTarget, TargetKind } from './pipeline/index.js';
import type { TurnBudget } from './pipeline/turn-budget.js';
import { compileSnapshot } from './snapshot/compile.js';
import { encodersToLoad } from './snapshot/compile-llm.js';
import type { Snapshot } from './snapshot/snapshot.js';
import { SnapshotManager } from './snapshot/snapshot-manager.js';
import { configCheck } from './snapshot/config-check.js';
import { checkHttp } from './snapshot/check-http.js';
import { checkLlm } from './snapshot/check-llm.js';
import { mcpCheck } from './snapshot/check-mcp.js';
import { createHttpIngress } from './ingress/http.js';
import { createLlmIngress } from './ingress/llm/index.js';
import { createLlmParts, type LlmParts } from './targets/llm-router/setup.js';
import { createMcpIngress } from './ingress/mcp/index.js';
import { McpRouter, McpRouterTarget, mcpExchangeRelay, mcpSessionStore, requestStateBox, type McpRouterOptions } from './targets/mcp-router/index.js';
import { McpSettingsTarget } from './targets/mcp-settings/index.js';
import { createRemoteBackendFactory, createStdioBackendFactory } from './targets/mcp-router/backends/index.js';
import { registryEraStore } from './targets/mcp-router/era/registry-era-store.js';
import { hostedServers, type HostedServerDefinition } from '../servers/index.js';
import { KeySets, type KeySetOptions } from './auth/oauth/index.js';
import { RESOURCE_METADATA_PATH } from './filters/oauth-metadata.js';
import { TokenVault, VAULT_PATH_PREFIX, openConsentStates, vaultIngress, type ConsentEndpoint } from './auth/vault/index.js';
import { lazyAdminHandler } from './admin/lazy-admin.js';
import { loadAdminToken, type AdminToken } from './admin/admin-token.js';
import { DEFAULT_AUDIT_RETENTION, startAuditPruning } from './admin/audit-retention.js';
import type { WorkerRole } from './cluster/worker-role.js';

/** How to run a gateway. */
export interface GatewayOptions {
  /** Registry file (created on first use). */
  dbPath: string;
  /** Data-plane port (0 picks a free one). */
  port: number;
  /** Data-plane bind address; loopback (127.0.0.1) unless deliberately exposed (`0.0.0.0`). */
  host?: string;
  /** Head and body timeouts and the per-client connection cap of the data-plane listener (defaults: CLIENT_LIMIT_DEFAULTS). */
  clientLimits?: ClientLimits;
  /** Host names served besides the defaults (localhost, loopback and bind addresses, this machine's name, routes' hosts); `*` allows any. */
  allowedHosts?: string[];
  /** Admin API port (0 picks a free one). */
  adminPort: number;
  /** Admin bind address; loopback unless deliberately changed. */
  adminHost?: string;
  /** Host header names the admin API accepts besides loopback names (DNS rebinding protection). */
  adminAllowedHosts?: string[];
  /** How long the audit log keeps rows (default 365 days, 1,000,000 rows; 0 turns a limit off). */
  auditRetention?: AuditRetention;
  /** How often the registry is polled for changes, ms. */
  pollMs?: number;
  /** How long in-flight requests may take to finish on shutdown, ms. */
  drainMs?: number;
  /** Addresses or CIDRs of proxies in front of the gateway whose X-Forwarded-For is believed. */
  trustedProxies?: string[];
  /** Where rate-limit buckets live; in process unless a shared store is given (tests; `redisUrl` is the usual way). */
  rateLimitStore?: RateLimitStore;
  /** Redis for state shared between replicas (quotas, LLM key health); in process when absent. */
  redisUrl?: string;
  /** MCP router settings (session expiry, keep-alive, allowed origins, …). */
  mcp?: McpRouterOptions;
  /** LLM request-body limits: per request (default 32 MiB) and for all requests in flight (default 64 MiB). */
  llm?: { maxBodyBytes?: number; bufferedBodyBytes?: number };
  /** How OAuth-protected MCP servers fetch their issuers' keys (timeouts, refetch cooldown). */
  oauth?: KeySetOptions;
  /** Hosted MCP server types; the built-in `hostedServers` unless given (tests add fixtures). */
  hostedServers?: ReadonlyMap<string, HostedServerDefinition>;
  log?: Logger;
  /** Set in a `--workers` cluster worker: no admin listener, no audit pruning (the primary does both). */
  worker?: WorkerRole;
}

/** A started gateway. */
export interface RunningGateway {
  readonly url: string;
  /** The admin API's URL; '' in a cluster worker (its primary serves the admin API). */
  readonly adminUrl: string;
  readonly adminToken: AdminToken;
  readonly registry: Registry;
  readonly snapshots: SnapshotManager;
  /** Stops accepting, drains in-flight requests up to the deadline, closes the registry. */
  close(): Promise<void>;
}

/** Opens the registry (refusing a corrupt one), compiles the first snapshot and starts both listeners. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const metrics = new GatewayMetrics();
  const log = options.log ?? createLogger({ onWriteFailure: (kind) => metrics.logWriteFailures.inc({ kind }) });
  const { registry, adminToken } = openRegistry(options.dbPath, log);
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 5_000 } });
  const proxyTarget = new HttpProxyTarget(dispatcher);
  const targets = new Map<TargetKind, RouteTarget>([['http-proxy', proxyTarget]]);
  // Long-lived HTTP state: survives snapshot swaps (keyed by upstream + target, route + client).
  const states = new TargetStates();
  const healthChecks = new HealthChecks(dispatcher, log);
  // State replicas share (in process without Redis): the one quota store, LLM key ejections.
  const { rateLimits, ...shared } = await openSharedState({ redisUrl: options.redisUrl, rateLimitStore: options.rateLimitStore, log, metrics });
  // The per-user token vault; its consent links and flows are shared by replicas with Redis (any replica opens a
  // link or takes a callback), and it asks the MCP router's current backends which authorization server a server uses.
  const vault = new TokenVault(registry.vaultTokens, { states: openConsentStates(shared.redis, () => registry.secretBox()), endpointOf: (server): ConsentEndpoint | undefined => mcpRouter.services.pool.get(server)?.backend.perUserConsent });
  // Access-log lines also go to the admin console's live Traffic view.
  const accessFeed = new AccessFeed();
  const leadingFilters = [observability(metrics, accessFeed)];
  // MCP: backends and sessions outlive snapshots; the router reconciles them with each new one.
  // Members' eras outlive restarts in the registry (written off the event loop's hot path).
  const mcpRouter = new McpRouter({ log, metrics: metrics.registry, options: { eraStore: registryEraStore(registry, log), ...withBackendFactories(options.mcp, { log, vault, replicas: shared.replicas }) }, vault });
  const mcpTarget = new McpRouterTarget({ router: mcpRouter, store: mcpSessionStore(shared.redis, () => registry.secretBox()), requestStateBox: () => requestStateBox(registry.secretBox()), exchangeRelay: mcpExchangeRelay(shared.redis) });
  // Besides the sessions, a consumer's own settings (`/mcp/<name>/settings`), written through the registry like the admin's.
  targets.set('mcp-router', mcpTarget).set('mcp-settings', new McpSettingsTarget({ registry, store: rateLimits }));
  // Its own Redis connections are opened now; while Redis is down they would not be before the wait ends.
  if (shared.redis?.up) await mcpTarget.ready(FIRST_CONNECT_WAIT_MS);
  const bindAddress = options.host ?? '127.0.0.1';
  // The Host check of every listener; under /mcp/ the MCP chain's mcp-origin filter applies it.
  const hosts = new HostPolicy({ allowedHosts: options.allowedHosts, bindAddress, current: (): Snapshot | undefined => snapshots.current() });
  const mcpDeps = { leadingFilters, targets, hostedServers: options.hostedServers ?? hostedServers, rateLimits, allowedOrigins: mcpRouter.options.allowedOrigins, hosts, keySets: new KeySets(options.oauth) };
  installWriteChecks(registry, mcpDeps.hostedServers);
  // LLM routing: key health and usage sums outlive snapshots; its limits spend the one quota store.
  const llm = createLlmParts({ dispatcher, registry, metrics, log, leadingFilters, targets, rateLimits, keyShare: shared.keyShare, seedBudgets: !shared.redis, bodies: options.llm });
  const startedAt = new Date().toISOString();
  const listeners: Array<{ name: string; url: string }> = [];
  const build = () => ({ ...instanceRow({ snapshots, startedAt, listeners, backendHealth: health.take() }), ...(options.worker && { primaryPid: options.worker.primaryPid }) });
  const reporter = new InstanceReporter({ registry, metrics, log, build });
  const report = () => reporter.report();
  // Backend health (MCP backends' states, ejected or unhealthy HTTP targets) is reported within half a second of a change.
  const healthSources = { mcp: mcpRouter.services.pool, http: states, redis: shared.health };
  const health = new HealthWatch(() => collectBackendHealth(healthSources), () => report());
  const snapshots = new SnapshotManager(registry, () => compileSnapshot(registry, { http: { leadingFilters, targets, states, healthChecks, rateLimits }, mcp: mcpDeps, llm: llm.compileDeps }), {
    log,
    metrics,
    prepare: () => (llm.compileDeps ? encodersToLoad(registry) : undefined),
    onReload: () => {
      const current = snapshots.current();
      if (current) mcpRouter.apply(current.mcp);
      if (listeners.length) report();
    },
  });
  snapshots.start(options.pollMs ?? 10);
  const { dataPlane, upgrades } = dataPlaneServer({ snapshots, log, trustedProxies: options.trustedProxies, turns: mcpRouter.services.turns, hosts, metrics, limits: options.clientLimits ?? {}, vault });
  const status = () => ({ pid: process.pid, ...snapshots.status, listeners, startedAt, stats: snapshots.current()?.stats ?? {}, backendHealth: collectBackendHealth(healthSources) });
  // The admin API checks Host itself, against loopback names and its own configured names (DNS rebinding).
  // A cluster worker has no admin listener: its primary serves the one admin API for all workers.
  const admin = options.worker ? undefined : createServer(lazyAdminHandler({ registry, metrics: async () => metrics.registry, token: adminToken.token, status, ready: () => snapshots.current() !== undefined, allowedHosts: adminHostNames(options), accessFeed, dataPlaneUrl: () => listeners[0]?.url }));
  try {
    listeners.push({ name: 'gateway', url: await listen(dataPlane, options.port, bindAddress) });
    if (admin) listeners.push({ name: 'admin', url: await listen(admin, options.adminPort, options.adminHost ?? '127.0.0.1') });
  } catch (err) {
    // Nothing is left running by a start that could not listen.
    for (const stop of [() => snapshots.stop(), () => dataPlane.close(), () => admin?.close(), () => registry.close(), () => void shared.close()]) stop();
    throw err;
  }
  report();
  const heartbeat = setInterval(report, 5_000).unref();
  health.start(500);
  const stopPruning = options.worker ? () => {} : startAuditPruning(registry, { ...DEFAULT_AUDIT_RETENTION, ...options.auditRetention }, log);
  options.worker?.attach({ metrics, accessFeed, status, mcpServers: () => [...(snapshots.current()?.mcp.servers.keys() ?? [])] }, listeners[0]!.url);
  const stops = [() => clearInterval(heartbeat), () => reporter.close(), stopPruning, () => health.stop(), () => snapshots.stop(), () => healthChecks.close(), () => upgrades.closeAll(), () => llm.keys.close(), () => void shared.close()];
  const parts: GatewayParts = { stops, mcpTarget, dataPlane, admin, drainMs: options.drainMs ?? 10_000, dispatcher, proxyTarget, llm, registry, log };
  let closing: Promise<void> | undefined;
  return { url: listeners[0]!.url, adminUrl: listeners[1]?.url ?? '', adminToken, registry, snapshots, close: () => (closing ??= shutdown(parts)) };
}

/** Admin writes pass the same compiler checks a reload runs, so nothing stored is held back by surprise. */
export function installWriteChecks(registry: Registry, hosted: ReadonlyMap<string, HostedServerDefinition>): void {
  registry.installConfigCheck(configCheck(registry, { http: checkHttp, mcp: mcpCheck(hosted), llm: checkLlm }));
}

/**
 * Opens the registry (it holds, sealed, the upstream tokens of the per-user vault); a wrong secret key or an
 * unreadable admin token refuses the start before anything runs.
 */
export function openRegistry(dbPath: string, log: Logger): { registry: Registry; adminToken: AdminToken } {
  const registry = Registry.open(dbPath, { quickCheck: true });
  let adminToken: AdminToken;
  try {
    // Refusals come before anything starts (timers, listeners), so a refused start leaves nothing running.
    registry.checkSecretKey();
    adminToken = loadAdminToken(dbPath);
  } catch (err) {
    registry.close();
    throw err;
  }
  for (const warning of [...registry.fileWarnings(), ...adminToken.warnings]) log.warn(warning);
  return { registry, adminToken };
}

/** What the data-plane listener is built from. */
interface DataPlaneInput {
  readonly snapshots: SnapshotManager;
  readonly log: Logger;
  /** Addresses or CIDRs of the balancers whose X-Forwarded-For is believed (`--trusted-proxy`). */
  readonly trustedProxies: readonly string[] | undefined;
  /** The MCP router's turn queue (one message of a session at a time). */
  readonly turns: TurnBudget;
  readonly hosts: HostPolicy;
  readonly metrics: GatewayMetrics;
  readonly limits: ClientLimits;
  /** Serves the vault's consent link and callback under /oauth/vault/. */
  readonly vault: TokenVault;
}

/** The data-plane server (not listening yet): ingress adapters by path prefix behind the listener's guards. */
function dataPlaneServer(input: DataPlaneInput): { dataPlane: Server; upgrades: UpgradeHandler } {
  const { snapshots, log, hosts, limits } = input;
  const trustedProxies = input.trustedProxies?.length ? toBlockList(input.trustedProxies) : undefined;
  // Ingress adapters by path prefix; everything else is ordinary HTTP proxying.
  const httpIngress = createHttpIngress({ current: () => snapshots.current(), log, trustedProxies });
  const llmIngress = createLlmIngress({ current: () => snapshots.current(), log, fallback: httpIngress, trustedProxies });
  const mcpIngress = createMcpIngress({ current: () => snapshots.current(), turns: input.turns, log, trustedProxies });
  // Protected Resource Metadata belongs to the MCP servers (RFC 9728): the MCP chain serves it.
  const mcpMounts = [{ prefix: '/mcp/', handle: mcpIngress }, { prefix: RESOURCE_METADATA_PATH, handle: mcpIngress }];
  const vaultMount = { prefix: VAULT_PATH_PREFIX, handle: vaultIngress(input.vault, log) };
  const ingress = routeIngress([{ prefix: '/v1/', handle: llmIngress }, ...mcpMounts, vaultMount], httpIngress);
  const dataPlane = trackResponses(createServer(listenerTimeouts(limits), refuseBadFraming(refuseForeignHost(hosts, refuseStalledBodies(limits.bodyIdleTimeoutMs, ingress), isMcpRequest))));
  capConnectionsPerClient(dataPlane, { max: limits.maxConnectionsPerClient, trusted: trustedProxies, registry: input.metrics.registry });
  countHeaders(dataPlane);
  continueOnRead(dataPlane);
  const upgrades = createUpgradeHandler(refuseBadFraming(refuseForeignHost(hosts, httpIngress)));
  dataPlane.on('upgrade', upgrades.handle);
  return { dataPlane, upgrades };
}

/** What a running gateway stops on close. */
interface GatewayParts {
  /** Timers and watchers, stopped first and in order. */
  readonly stops: ReadonlyArray<() => void>;
  readonly mcpTarget: McpRouterTarget;
  readonly dataPlane: Server;
  /** Absent in a cluster worker. */
  readonly admin: Server | undefined;
  /** How long in-flight data-plane requests may take to finish, ms. */
  readonly drainMs: number;
  readonly dispatcher: Agent;
  readonly proxyTarget: HttpProxyTarget;
  readonly llm: LlmParts;
  readonly registry: Registry;
  readonly log: Logger;
}

/** Stops the timers, ends MCP streams, drains both listeners, then closes the pools and the registry. */
async function shutdown(p: GatewayParts): Promise<void> {
  for (const stop of p.stops) stop();
  await p.mcpTarget.close(); // ends MCP streams, so draining does not wait for them
  await Promise.all([drain(p.dataPlane, p.drainMs), p.admin && drain(p.admin, 1_000)]);
  await Promise.all([p.dispatcher.close(), p.proxyTarget.close()]);
  p.llm.usage.close();
  p.registry.instances.forget(process.pid);
  p.registry.close();
  p.log.flush();
}

/** An ingress adapter that owns every request whose path starts with `prefix`. */
export interface IngressMount {
  prefix: string;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Picks the ingress adapter for a request by path prefix (checked in order); `fallback` takes the rest. */
function routeIngress(mounts: IngressMount[], fallback: IngressMount['handle']): IngressMount['handle'] {
  if (mounts.length === 0) return fallback;
  return function selectIngress(req, res) {
    const url = req.url ?? '/';
    for (const m of mounts) if (url.startsWith(m.prefix)) return m.handle(req, res);
    fallback(req, res);
  };
}

/** Adds the remote and stdio backend factories unless the caller supplied its own for those kinds. */
function withBackendFactories(options: McpRouterOptions | undefined, deps: { log: Logger; vault: TokenVault; replicas: ReplicaCount }): McpRouterOptions {
  const { log } = deps;
  const factories = new Map(options?.backendFactories ?? []);
  if (!factories.has('remote')) factories.set('remote', createRemoteBackendFactory(deps));
  if (!factories.has('stdio')) factories.set('stdio', createStdioBackendFactory({ log }));
  return { ...options, backendFactories: factories };
}

/** Listens with a deep backlog; resolves with the bound URL. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A deep backlog: a burst of a thousand new connections (agents reconnecting) must queue, not be retried in 1 s.
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve(`http://${shownHost}:${a.port}`);
    });
  });
}

/** Stops accepting; idle keep-alive sockets close now, busy ones when their response ends or at the deadline. */
export function drain(server: Server, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), deadlineMs).unref();
    // Keep-alive clients must learn to go: responses not yet started say `Connection: close` (and Node then
    // closes the socket after them), and sockets whose response ends idle are closed at once instead of
    // holding the process for keepAliveTimeout.
    for (const res of liveResponses.get(server) ?? []) if (!res.headersSent) res.shouldKeepAlive = false;
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => (res.shouldKeepAlive = false));
    const sweep = setInterval(() => server.closeIdleConnections(), 25).unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

const liveResponses = new WeakMap<Server, Set<ServerResponse>>();

/** Remembers the server's in-flight responses, so `drain` can ask their keep-alive clients to disconnect. */
function trackResponses(server: Server): Server {
  const live = new Set<ServerResponse>();
  liveResponses.set(server, live);
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    live.add(res);
    res.once('close', () => live.delete(res));
  });
  return server;
}

/** This process's `gateway_instances` row as of now. */
function instanceRow(o: {
  snapshots: SnapshotManager;
  startedAt: string;
  listeners: Array<{ name: string; url: string }>;
  backendHealth: BackendHealthReport;
}): GatewayInstance {
  return { pid: process.pid, host: hostname(), startedAt: o.startedAt, heartbeatAt: new Date().toISOString(), listeners: o.listeners, ...o.snapshots.status, backendHealth: o.backendHealth };
}

/** Host names the admin API accepts besides loopback names: the configured ones and a specific bind address. */
export function adminHostNames(options: GatewayOptions): string[] {
  const bind = options.adminHost;
  const specific = bind && bind !== '0.0.0.0' && bind !== '::' ? [bind] : [];
  return [...specific, ...(options.adminAllowedHosts ?? [])];
}
