import { isIP } from 'node:net';
import type { Command } from 'commander';
import { dbPath, UsageError } from '../context.js';
import { parseInteger } from './route.js';
import type { GatewayOptions, RunningGateway } from '../../server/index.js';
import { checkRedisUrl, RedisUrlError } from '../../server/config-tools.js';
import { printBanner } from './serve-banner.js';
import { stopOnSignals } from './serve-signals.js';
import { isClusterWorker, parseWorkers, serveWorker, startWorkers } from './serve-workers.js';

interface ServeFlags {
  port?: string;
  adminPort?: string;
  adminAllowedHost?: string[];
  auditKeepDays?: string;
  auditKeepRows?: string;
  host?: string;
  allowedHosts?: string;
  headersTimeout?: string;
  bodyTimeout?: string;
  maxClientConnections?: string;
  trustedProxy?: string[];
  demoPort?: string;
  drain?: string;
  mcpMaxSessions?: string;
  mcpMaxSessionsPerClient?: string;
  mcpMaxListensPerClient?: string;
  mcpAnonymousIdle?: string;
  mcpMaxBatch?: string;
  mcpAllowOrigin?: string[];
  redis?: string;
  workers?: string;
}

/** `agate serve`: the gateway and its admin API, until SIGTERM or SIGINT. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (data plane and admin API)')
    .option('--port <port>', 'data-plane port (env AGATE_PORT)', process.env.AGATE_PORT ?? '8080')
    .option('--admin-port <port>', 'admin API port, on 127.0.0.1 (env AGATE_ADMIN_PORT)', process.env.AGATE_ADMIN_PORT ?? '8001')
    .option('--host <address>', 'data-plane bind address; 0.0.0.0 exposes the gateway to the network (env AGATE_HOST)', process.env.AGATE_HOST ?? '127.0.0.1')
    .option(
      '--allowed-hosts <names>',
      'comma-separated Host names served besides localhost, loopback and bind addresses, this machine\'s name and routes\' hosts (*.example.com wildcards; * allows any) (env AGATE_ALLOWED_HOSTS)',
      process.env.AGATE_ALLOWED_HOSTS,
    )
    .option('--headers-timeout <ms>', 'a request head must arrive within this, else 408 and close', '15000')
    .option('--body-timeout <ms>', 'a request body with no byte for this long gets 408 and a closed connection; 0 turns it off', '30000')
    .option('--max-client-connections <n>', 'open connections per client address (trusted proxies exempt); 0: no limit', '256')
    .option(
      '--trusted-proxy <address-or-cidr...>',
      'load balancers whose X-Forwarded-For names the client (per-IP limits, IP allow/deny, per-client caps); e.g. 10.0.0.0/8 (env AGATE_TRUSTED_PROXIES, comma-separated)',
    )
    .option('--admin-allowed-host <name...>', 'Host header names the admin API accepts besides loopback names (env AGATE_ADMIN_ALLOWED_HOSTS, comma-separated)')
    .option('--demo-port <port>', 'port of the built-in demo upstream on 127.0.0.1; 0 turns it off (env AGATE_DEMO_PORT)', process.env.AGATE_DEMO_PORT ?? '8002')
    .option('--audit-keep-days <n>', 'prune audit log rows older than n days; 0 keeps them (env AGATE_AUDIT_KEEP_DAYS, default 365)', process.env.AGATE_AUDIT_KEEP_DAYS)
    .option('--audit-keep-rows <n>', 'keep only the newest n audit log rows; 0 keeps all (env AGATE_AUDIT_KEEP_ROWS, default 1000000)', process.env.AGATE_AUDIT_KEEP_ROWS)
    .option('--drain <ms>', 'how long in-flight requests may finish on shutdown', '10000')
    .option('--mcp-max-sessions <n>', 'MCP sessions held at once, all clients (env AGATE_MCP_MAX_SESSIONS)', process.env.AGATE_MCP_MAX_SESSIONS ?? '10000')
    .option('--mcp-max-sessions-per-client <n>', 'MCP sessions one consumer (or anonymous client IP) may hold (env AGATE_MCP_MAX_SESSIONS_PER_CLIENT)', process.env.AGATE_MCP_MAX_SESSIONS_PER_CLIENT ?? '100')
    .option('--mcp-max-listens-per-client <n>', 'open 2026-07-28 subscriptions/listen streams one consumer (or anonymous client IP) may hold (env AGATE_MCP_MAX_LISTENS_PER_CLIENT)', process.env.AGATE_MCP_MAX_LISTENS_PER_CLIENT ?? '16')
    .option('--mcp-max-batch <n>', 'messages one JSON-RPC batch may hold (env AGATE_MCP_MAX_BATCH)', process.env.AGATE_MCP_MAX_BATCH ?? '100')
    .option('--mcp-allow-origin <origin...>', 'browser origins whose pages may call MCP endpoints (CORS), e.g. https://app.example.com (env AGATE_MCP_ALLOWED_ORIGINS, comma-separated)')
    .option('--mcp-anonymous-idle <ms>', 'idle time after which an anonymous MCP session expires (env AGATE_MCP_ANONYMOUS_IDLE_MS)', process.env.AGATE_MCP_ANONYMOUS_IDLE_MS ?? '300000')
    .option('--redis <url>', 'Redis for state shared between replicas: MCP sessions, quotas and rate limits, LLM key health (redis://host:port, rediss://, unix:///path, or redis-sentinel://host:port[,host:port...]#primary) (env AGATE_REDIS_URL)', process.env.AGATE_REDIS_URL)
    .option('--workers <n|auto>', 'data-plane processes sharing the port; auto: one per core; more than 1 needs --redis (env AGATE_WORKERS)', process.env.AGATE_WORKERS || '1')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const db = dbPath(cmd.optsWithGlobals());
      // A forked worker parses the same argv as its primary; it serves the data plane only.
      if (isClusterWorker()) return serveWorker(gatewayOptions(flags, db));
      await serve(flags, db);
    });
}

async function serve(flags: ServeFlags, db: string): Promise<void> {
  const options = gatewayOptions(flags, db);
  // Refused before anything starts or listens (the demo upstream included).
  const workers = parseWorkers(flags.workers!, options.redisUrl);
  const demoPort = parsePort(flags.demoPort!, '--demo-port');
  // Loaded here, not at the top: short commands (route add) must not pay for the server's imports.
  const { startGateway, startEchoUpstream } = await import('../../server/index.js');
  const { seedFirstStart } = await import('../seed.js');
  const demo = demoPort ? await startEchoUpstream(demoPort).catch((err: Error) => {
    process.stderr.write(`warning: demo upstream not started on 127.0.0.1:${demoPort}: ${err.message}\n`);
    return undefined;
  }) : undefined;
  let seeded: string[];
  let gateway: RunningGateway | Awaited<ReturnType<typeof startWorkers>>;
  try {
    seeded = seedFirstStart(db, demo?.url);
    // One worker is today's single process exactly: no cluster primary at all.
    gateway = workers > 1 ? await startWorkers(options, workers) : await startGateway(options);
  } catch (err) {
    // A listening demo upstream would keep the process alive after a failed start (a corrupt registry hung here).
    demo?.server.close();
    throw err;
  }
  const cluster = 'workers' in gateway ? { mcpServers: await gateway.mcpServers(), workerPids: gateway.workers().map((w) => w.pid!) } : undefined;
  const mcpServers = cluster?.mcpServers ?? [...('snapshots' in gateway ? gateway.snapshots.current()?.mcp.servers.keys() ?? [] : [])];
  printBanner({ db, host: flags.host!, url: gateway.url, adminUrl: gateway.adminUrl, token: gateway.adminToken, seeded, mcpServers, demoUrl: demo?.url, workerPids: cluster?.workerPids });
  stopOnSignals(gateway, demo?.server);
}

/** The gateway's options from the flags; every number is checked here, naming its flag. */
function gatewayOptions(flags: ServeFlags, db: string): GatewayOptions {
  return {
    dbPath: db,
    port: parsePort(flags.port!, '--port'),
    adminPort: parsePort(flags.adminPort!, '--admin-port'),
    auditRetention: {
      ...(flags.auditKeepDays !== undefined && { days: wholeNumber(flags.auditKeepDays, '--audit-keep-days') }),
      ...(flags.auditKeepRows !== undefined && { rows: wholeNumber(flags.auditKeepRows, '--audit-keep-rows') }),
    },
    adminAllowedHosts: flags.adminAllowedHost ?? process.env.AGATE_ADMIN_ALLOWED_HOSTS?.split(',').map((h) => h.trim()).filter(Boolean),
    host: flags.host,
    trustedProxies: trustedProxies(flags.trustedProxy ?? process.env.AGATE_TRUSTED_PROXIES?.split(',').map((a) => a.trim()).filter(Boolean) ?? []),
    allowedHosts: flags.allowedHosts?.split(',').map((n) => n.trim()).filter(Boolean),
    clientLimits: {
      headersTimeoutMs: parseInteger(flags.headersTimeout!, '--headers-timeout'),
      bodyIdleTimeoutMs: parseInteger(flags.bodyTimeout!, '--body-timeout'),
      maxConnectionsPerClient: parseInteger(flags.maxClientConnections!, '--max-client-connections'),
    },
    drainMs: parseInteger(flags.drain!, '--drain'),
    ...(flags.redis && { redisUrl: redisUrl(flags.redis) }),
    mcp: {
      maxSessions: parseInteger(flags.mcpMaxSessions!, '--mcp-max-sessions'),
      maxSessionsPerClient: parseInteger(flags.mcpMaxSessionsPerClient!, '--mcp-max-sessions-per-client'),
      maxListensPerClient: parseInteger(flags.mcpMaxListensPerClient!, '--mcp-max-listens-per-client'),
      anonymousIdleTimeoutMs: parseInteger(flags.mcpAnonymousIdle!, '--mcp-anonymous-idle'),
      maxBatchSize: parseInteger(flags.mcpMaxBatch!, '--mcp-max-batch'),
      allowedOrigins: (flags.mcpAllowOrigin ?? process.env.AGATE_MCP_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean) ?? []).map(browserOrigin),
    },
  };
}

/** Proxy addresses and CIDRs (IPv4 or IPv6), checked here so a typo stops the start naming the flag. */
function trustedProxies(entries: string[]): string[] {
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const v = isIP(address ?? '');
    const width = v === 6 ? 128 : 32;
    const badBits = bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= width);
    if (!v || extra !== undefined || badBits) throw new UsageError(`--trusted-proxy: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)`);
  }
  return entries;
}

/** An origin as browsers send it (`scheme://host[:port]`, nothing more), or a usage error naming the flag. */
function browserOrigin(text: string): string {
  const u = URL.canParse(text) ? new URL(text) : undefined;
  if (!u || !['http:', 'https:'].includes(u.protocol) || u.origin !== text) {
    throw new UsageError(`--mcp-allow-origin: "${text}" is not an origin; give scheme://host[:port] exactly as a browser sends it, e.g. https://app.example.com`);
  }
  return text;
}

/** A Redis URL agate can open (server/shared-state/redis-url.ts); anything else is refused before the gateway starts. */
function redisUrl(text: string): string {
  try {
    return checkRedisUrl(text);
  } catch (err) {
    if (err instanceof RedisUrlError) throw new UsageError(`--redis: ${err.message}`);
    throw err;
  }
}

function parsePort(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag}: must be a port number 0-65535 (got "${text}")`);
  return n;
}

/** A retention flag: a whole number, 0 meaning no limit. */
function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: must be a whole number (got "${text}")`);
  return Number(text);
}
