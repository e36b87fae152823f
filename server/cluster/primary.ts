/**
 * The primary of `agate serve --workers N`: the one admin API, audit pruning and instance row, over N data-plane
 * workers that share one port (node:cluster; see supervisor.ts for why not SO_REUSEPORT).
 *
 * As Envoy's main thread does for its workers, the primary serves admin and aggregates: `/metrics` is the sum
 * of every worker's series (plus the primary's own `agate_cluster_*`), the live access log carries every
 * worker's lines, and `/status` lists each worker. Console sessions live here, so they survive a worker's crash.
 */
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { AggregatorRegistry, Counter, Gauge, Registry as MetricsRegistry, type PrometheusContentType } from 'prom-client';
import type { GatewayInstance, Registry } from '../../registry/index.js';
import { lazyAdminHandler } from '../admin/lazy-admin.js';
import type { AdminToken } from '../admin/admin-token.js';
import { DEFAULT_AUDIT_RETENTION, startAuditPruning } from '../admin/audit-retention.js';
import { adminHostNames, drain, installWriteChecks, listen, openRegistry, type GatewayOptions } from '../gateway.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { AccessFeed } from '../observability/access-feed.js';
import { InstanceReporter } from '../observability/instance-reporter.js';
import { hostedServers } from '../../servers/index.js';
import { mergedStatus } from './merged-status.js';
import { WorkerSupervisor, type WorkerInfo } from './supervisor.js';

/** How to run a primary: the gateway options its workers also parse, and how many workers. */
export interface PrimaryOptions {
  readonly gateway: GatewayOptions;
  readonly workers: number;
  readonly log?: Logger;
}

/** A started primary, every worker listening. */
export interface RunningPrimary {
  readonly url: string;
  readonly adminUrl: string;
  readonly adminToken: AdminToken;
  readonly registry: Registry;
  workers(): WorkerInfo[];
  /** MCP servers the workers serve (from the first to answer). */
  mcpServers(): Promise<string[]>;
  /** SIGTERM to every worker (each drains), then closes the admin listener and the registry. */
  close(): Promise<void>;
}

/** Opens the registry, forks the workers, waits until all listen, then starts the admin listener. */
export async function startPrimary(o: PrimaryOptions): Promise<RunningPrimary> {
  const metrics = new GatewayMetrics();
  const log = o.log ?? createLogger({ onWriteFailure: (kind) => metrics.logWriteFailures.inc({ kind }) });
  const { registry, adminToken } = openRegistry(o.gateway.dbPath, log);
  installWriteChecks(registry, o.gateway.hostedServers ?? hostedServers);
  const own = clusterMetrics(() => supervisor.workers());
  // Its lines come from the workers, which forward them only while someone watches (no IPC per request otherwise).
  const feed = new AccessFeed((on) => supervisor.setFeed(on));
  const supervisor = new WorkerSupervisor({ count: o.workers, log, drainMs: o.gateway.drainMs ?? 10_000, onAccess: (e) => feed.publish(e), onExit: (pid) => forgetRow(registry, pid), onRestart: () => own.restarts.inc() });
  let url: string;
  try {
    url = await supervisor.start();
  } catch (err) {
    await supervisor.stop();
    registry.close();
    throw err;
  }
  const startedAt = new Date().toISOString();
  const listeners = [{ name: 'gateway', url }];
  const status = async () => {
    const workers = await workerStatus(supervisor);
    return { pid: process.pid, role: 'primary', listeners, startedAt, ...mergedStatus(workers), workers };
  };
  const summed = async () => AggregatorRegistry.aggregate<PrometheusContentType>([...(await supervisor.ask('metrics')).map((a) => a.value as object), await metrics.registry.getMetricsAsJSON(), await own.registry.getMetricsAsJSON()]);
  const admin = createServer(lazyAdminHandler({ registry, metrics: summed, token: adminToken.token, status, ready: () => supervisor.anyReady(), allowedHosts: adminHostNames(o.gateway), accessFeed: feed, dataPlaneUrl: () => url }));
  try {
    listeners.push({ name: 'admin', url: await listen(admin, o.gateway.adminPort, o.gateway.adminHost ?? '127.0.0.1') });
  } catch (err) {
    await supervisor.stop();
    registry.close();
    throw err;
  }
  const reporter = new InstanceReporter({ registry, metrics, log, build: () => primaryRow(startedAt, listeners) });
  reporter.report();
  const heartbeat = setInterval(() => reporter.report(), 5_000).unref();
  const stopPruning = startAuditPruning(registry, { ...DEFAULT_AUDIT_RETENTION, ...o.gateway.auditRetention }, log);
  const stop = async () => {
    clearInterval(heartbeat);
    reporter.close();
    stopPruning();
    await supervisor.stop();
    await closeAdmin(admin, registry, log);
  };
  let closing: Promise<void> | undefined;
  const mcpServers = async () => ((await supervisor.ask('status'))[0]?.value as { mcpServers?: string[] } | undefined)?.mcpServers ?? [];
  return { url, adminUrl: listeners[1]!.url, adminToken, registry, workers: () => supervisor.workers(), mcpServers, close: () => (closing ??= stop()) };
}

/** Each worker as the supervisor knows it, with what it answers about itself (snapshot, requests served). */
async function workerStatus(supervisor: WorkerSupervisor): Promise<Array<Record<string, unknown>>> {
  const answers = new Map((await supervisor.ask('status')).map((a) => [a.pid, a.value as Record<string, unknown>]));
  return supervisor.workers().map((w) => ({ ...(w.pid !== undefined ? answers.get(w.pid) : undefined), ...w }));
}

/** The primary's own series: how many workers serve, how many were replaced. */
function clusterMetrics(workers: () => WorkerInfo[]): { registry: MetricsRegistry; restarts: Counter } {
  const registry = new MetricsRegistry();
  new Gauge({
    name: 'agate_cluster_workers',
    help: 'Gateway workers by state (ready, starting), as the primary sees them',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const ready = workers().filter((w) => w.ready).length;
      this.set({ state: 'ready' }, ready);
      this.set({ state: 'starting' }, workers().length - ready);
    },
  });
  const restarts = new Counter({ name: 'agate_cluster_worker_restarts_total', help: 'Gateway workers replaced after they exited', registers: [registry] });
  return { registry, restarts };
}

function primaryRow(startedAt: string, listeners: GatewayInstance['listeners']): GatewayInstance {
  return { pid: process.pid, host: hostname(), startedAt, heartbeatAt: new Date().toISOString(), listeners, snapshotVersion: null, lastReloadAt: null, lastReloadError: null, backendHealth: { mcp: [], http: [] } };
}

/** A dead worker's row goes with it (its replacement writes its own), never waiting on another process's lock. */
function forgetRow(registry: Registry, pid: number): void {
  registry.tryWrite(() => registry.instances.forget(pid));
}

async function closeAdmin(admin: Server, registry: Registry, log: Logger): Promise<void> {
  await drain(admin, 1_000);
  registry.instances.forget(process.pid);
  registry.close();
  log.flush();
}
