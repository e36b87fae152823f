import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Agent } from 'undici';
import { Registry } from '../registry/index.js';
import { createLogger, type Logger } from './observability/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { observability } from './filters/observability.js';
import { createHttpProxyTarget } from './targets/http-proxy/index.js';
import type { RouteTarget, TargetKind } from './pipeline/index.js';
import { compileSnapshot } from './snapshot/compile.js';
import { SnapshotManager } from './snapshot/snapshot-manager.js';
import { createHttpIngress } from './ingress/http.js';
import { createAdminApp } from './admin/app.js';
import { loadAdminToken, type AdminToken } from './admin/admin-token.js';

/** How to run a gateway. */
export interface GatewayOptions {
  /** Registry file (created on first use). */
  dbPath: string;
  /** Data-plane port (0 picks a free one). */
  port: number;
  /** Data-plane bind address. */
  host?: string;
  /** Admin API port (0 picks a free one). */
  adminPort: number;
  /** Admin bind address; loopback unless deliberately changed. */
  adminHost?: string;
  /** How often the registry is polled for changes, ms. */
  pollMs?: number;
  /** How long in-flight requests may take to finish on shutdown, ms. */
  drainMs?: number;
  log?: Logger;
}

/** A started gateway. */
export interface RunningGateway {
  readonly url: string;
  readonly adminUrl: string;
  readonly adminToken: AdminToken;
  readonly registry: Registry;
  readonly snapshots: SnapshotManager;
  /** Stops accepting, drains in-flight requests up to the deadline, closes the registry. */
  close(): Promise<void>;
}

/** Opens the registry (refusing a corrupt one), compiles the first snapshot and starts both listeners. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? createLogger();
  const registry = Registry.open(options.dbPath, { quickCheck: true });
  const metrics = new GatewayMetrics();
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 5_000 } });
  const targets = new Map<TargetKind, RouteTarget>([['http-proxy', createHttpProxyTarget(dispatcher)]]);
  const leadingFilters = [observability(metrics)];
  const startedAt = new Date().toISOString();
  const listeners: Array<{ name: string; url: string }> = [];
  const report = () => reportInstance(registry, snapshots, startedAt, listeners, log);
  const snapshots = new SnapshotManager(registry, () => compileSnapshot(registry, { http: { leadingFilters, targets } }), {
    log,
    metrics,
    onReload: () => listeners.length && report(),
  });
  snapshots.start(options.pollMs ?? 10);

  // Ingress adapters by path prefix; everything else is ordinary HTTP proxying.
  const ingress = routeIngress([], createHttpIngress({ current: () => snapshots.current(), log }));
  const dataPlane = createServer(ingress);
  const adminToken = loadAdminToken(options.dbPath);
  const status = () => ({ pid: process.pid, ...snapshots.status, listeners, startedAt, stats: snapshots.current()?.stats ?? {} });
  const admin = createServer(
    createAdminApp({ registry, metrics, token: adminToken.token, status, ready: () => snapshots.current() !== undefined }),
  );
  try {
    listeners.push({ name: 'gateway', url: await listen(dataPlane, options.port, options.host ?? '0.0.0.0') });
    listeners.push({ name: 'admin', url: await listen(admin, options.adminPort, options.adminHost ?? '127.0.0.1') });
  } catch (err) {
    snapshots.stop();
    dataPlane.close();
    admin.close();
    registry.close();
    throw err;
  }
  report();
  const heartbeat = setInterval(report, 5_000).unref();

  let closing: Promise<void> | undefined;
  return {
    url: listeners[0]!.url,
    adminUrl: listeners[1]!.url,
    adminToken,
    registry,
    snapshots,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        snapshots.stop();
        await Promise.all([drain(dataPlane, options.drainMs ?? 10_000), drain(admin, 1_000)]);
        await dispatcher.close();
        registry.instances.forget(process.pid);
        registry.close();
        log.flush();
      })();
      return closing;
    },
  };
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

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve(`http://${shownHost}:${a.port}`);
    });
  });
}

/** Stops accepting; idle keep-alive sockets close now, busy ones when their response ends or at the deadline. */
function drain(server: Server, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), deadlineMs).unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function reportInstance(
  registry: Registry,
  snapshots: SnapshotManager,
  startedAt: string,
  listeners: Array<{ name: string; url: string }>,
  log: Logger,
): void {
  try {
    registry.instances.report({
      pid: process.pid,
      host: hostname(),
      startedAt,
      heartbeatAt: new Date().toISOString(),
      listeners,
      ...snapshots.status,
    });
  } catch (err) {
    log.warn({ err }, 'could not report gateway status to the registry');
  }
}
