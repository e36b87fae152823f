import type { Command } from 'commander';
import { dbPath, UsageError } from '../context.js';
import { parseInteger } from './route.js';
import type { GatewayOptions, RunningGateway } from '../../server/index.js';
import { mcpServerUrls } from '../../server/config-tools.js';
import { inspectorCommand } from '../inspector-command.js';

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
  demoPort?: string;
  drain?: string;
  mcpMaxSessions?: string;
  mcpMaxSessionsPerClient?: string;
  mcpAnonymousIdle?: string;
  mcpMaxBatch?: string;
  mcpAllowOrigin?: string[];
  redis?: string;
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
    .option('--admin-allowed-host <name...>', 'Host header names the admin API accepts besides loopback names (env AGATE_ADMIN_ALLOWED_HOSTS, comma-separated)')
    .option('--demo-port <port>', 'port of the built-in demo upstream on 127.0.0.1; 0 turns it off (env AGATE_DEMO_PORT)', process.env.AGATE_DEMO_PORT ?? '8002')
    .option('--audit-keep-days <n>', 'prune audit log rows older than n days; 0 keeps them (env AGATE_AUDIT_KEEP_DAYS, default 365)', process.env.AGATE_AUDIT_KEEP_DAYS)
    .option('--audit-keep-rows <n>', 'keep only the newest n audit log rows; 0 keeps all (env AGATE_AUDIT_KEEP_ROWS, default 1000000)', process.env.AGATE_AUDIT_KEEP_ROWS)
    .option('--drain <ms>', 'how long in-flight requests may finish on shutdown', '10000')
    .option('--mcp-max-sessions <n>', 'MCP sessions held at once, all clients (env AGATE_MCP_MAX_SESSIONS)', process.env.AGATE_MCP_MAX_SESSIONS ?? '10000')
    .option('--mcp-max-sessions-per-client <n>', 'MCP sessions one consumer (or anonymous client IP) may hold (env AGATE_MCP_MAX_SESSIONS_PER_CLIENT)', process.env.AGATE_MCP_MAX_SESSIONS_PER_CLIENT ?? '100')
    .option('--mcp-max-batch <n>', 'messages one JSON-RPC batch may hold (env AGATE_MCP_MAX_BATCH)', process.env.AGATE_MCP_MAX_BATCH ?? '100')
    .option('--mcp-allow-origin <origin...>', 'browser origins whose pages may call MCP endpoints (CORS), e.g. https://app.example.com (env AGATE_MCP_ALLOWED_ORIGINS, comma-separated)')
    .option('--mcp-anonymous-idle <ms>', 'idle time after which an anonymous MCP session expires (env AGATE_MCP_ANONYMOUS_IDLE_MS)', process.env.AGATE_MCP_ANONYMOUS_IDLE_MS ?? '300000')
    .option('--redis <url>', 'Redis for state shared between replicas: MCP sessions, quotas and rate limits, LLM key health (redis://host:port, rediss://, unix:///path) (env AGATE_REDIS_URL)', process.env.AGATE_REDIS_URL)
    .action(async (flags: ServeFlags, cmd: Command) => {
      await serve(flags, dbPath(cmd.optsWithGlobals()));
    });
}

async function serve(flags: ServeFlags, db: string): Promise<void> {
  const options = gatewayOptions(flags, db);
  const demoPort = parsePort(flags.demoPort!, '--demo-port');
  // Loaded here, not at the top: short commands (route add) must not pay for the server's imports.
  const { startGateway, startEchoUpstream } = await import('../../server/index.js');
  const { seedFirstStart } = await import('../seed.js');
  const demo = demoPort ? await startEchoUpstream(demoPort).catch((err: Error) => {
    process.stderr.write(`warning: demo upstream not started on 127.0.0.1:${demoPort}: ${err.message}\n`);
    return undefined;
  }) : undefined;
  let seeded: string[];
  let gateway: RunningGateway;
  try {
    seeded = seedFirstStart(db, demo?.url);
    gateway = await startGateway(options);
  } catch (err) {
    // A listening demo upstream would keep the process alive after a failed start (a corrupt registry hung here).
    demo?.server.close();
    throw err;
  }
  const mcpServers = [...(gateway.snapshots.current()?.mcp.servers.keys() ?? [])];
  printBanner({ db, host: flags.host!, url: gateway.url, adminUrl: gateway.adminUrl, token: gateway.adminToken, seeded, port: options.port!, mcpServers, demoUrl: demo?.url });
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
      anonymousIdleTimeoutMs: parseInteger(flags.mcpAnonymousIdle!, '--mcp-anonymous-idle'),
      maxBatchSize: parseInteger(flags.mcpMaxBatch!, '--mcp-max-batch'),
      allowedOrigins: (flags.mcpAllowOrigin ?? process.env.AGATE_MCP_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean) ?? []).map(browserOrigin),
    },
  };
}

/** SIGTERM and SIGINT drain the gateway (and close the demo upstream), then exit. */
function stopOnSignals(gateway: RunningGateway, demo: { close(cb: () => void): unknown } | undefined): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`agate: ${signal} received, draining in-flight requests\n`);
    Promise.all([gateway.close(), new Promise<void>((r) => (demo ? demo.close(() => r()) : r()))]).then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`agate: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A Redis URL ioredis can open; anything else is refused before the gateway starts. */
/** An origin as browsers send it (`scheme://host[:port]`, nothing more), or a usage error naming the flag. */
function browserOrigin(text: string): string {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (!u || !['http:', 'https:'].includes(u.protocol) || u.origin !== text) {
    throw new UsageError(`--mcp-allow-origin: "${text}" is not an origin; give scheme://host[:port] exactly as a browser sends it, e.g. https://app.example.com`);
  }
  return text;
}

function redisUrl(text: string): string {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (!u || !['redis:', 'rediss:', 'unix:'].includes(u.protocol)) {
    throw new UsageError(`--redis: must be a redis://host:port, rediss://host:port or unix:///path URL (got "${text}")`);
  }
  return text;
}

function parsePort(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag}: must be a port number 0-65535 (got "${text}")`);
  return n;
}

function printBanner(b: {
  db: string;
  /** The data-plane bind address as given. */
  host: string;
  url: string;
  adminUrl: string;
  token: { token: string; generated: boolean; file?: string };
  seeded: string[];
  port: number;
  /** MCP servers served now, in name order. */
  mcpServers: string[];
  /** The demo upstream's bound URL; undefined when it is off or did not start. */
  demoUrl: string | undefined;
}): void {
  const local = `http://127.0.0.1:${new URL(b.url).port}`;
  const tokenRef = b.token.file ? `$(cat ${b.token.file})` : '$AGATE_ADMIN_TOKEN';
  const lines = [
    `agate is running`,
    `  gateway    ${b.url}${exposure(b.host)}`,
    `  admin API  ${b.adminUrl}   (token: ${b.token.generated ? `${b.token.token}, saved to ${b.token.file}; shown once` : b.token.file ?? 'AGATE_ADMIN_TOKEN'})`,
    `  registry   ${b.db}`,
  ];
  if (b.seeded.length) lines.push(`  first start: added ${b.seeded.join(', ')}`);
  lines.push(...mcpLines(local, b.mcpServers));
  lines.push(
    '',
    'Try:',
    ...(b.demoUrl ? [`  curl ${local}/demo/hello`] : []),
    ...mcpTryLines(local, b.mcpServers),
    // The demo upstream's real address: --demo-port may move it, and with it off there is nothing to proxy to.
    ...(b.demoUrl ? [`  npx agate route add echo --path /echo --upstream ${b.demoUrl} --strip-prefix && curl ${local}/echo/hi`] : []),
    `  npx agate status`,
    `  curl -H "Authorization: Bearer ${tokenRef}" ${b.adminUrl}/routes`,
    '',
  );
  process.stderr.write(lines.join('\n') + '\n');
}

/** Says whether the network can reach the gateway, and how to change that. */
function exposure(host: string): string {
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return loopback ? '   (this machine only; --host 0.0.0.0 exposes it)' : '   (exposed to the network; Host names served: see --allowed-hosts)';
}

const MAX_LISTED = 12;

/** Each MCP server's Streamable HTTP URL (the HTTP+SSE one is the same plus /sse). */
function mcpLines(local: string, names: string[]): string[] {
  if (names.length === 0) return [];
  const width = Math.max(...names.slice(0, MAX_LISTED).map((n) => n.length));
  const lines = ['', 'MCP servers (Streamable HTTP; add /sse for HTTP+SSE):'];
  for (const name of names.slice(0, MAX_LISTED)) lines.push(`  ${name.padEnd(width)}  ${mcpServerUrls(local, name).streamableHttp}`);
  if (names.length > MAX_LISTED) lines.push(`  … and ${names.length - MAX_LISTED} more (npx agate mcp list)`);
  return lines;
}

function mcpTryLines(local: string, names: string[]): string[] {
  const first = names.includes('time') ? 'time' : names[0];
  if (first === undefined) return [];
  const inspector = `  ${inspectorCommand(mcpServerUrls(local, first).streamableHttp)}`;
  const call = first === 'time' ? `  npx agate mcp call time get-current-time --args '{"timeZone":"Europe/London"}'` : `  npx agate mcp tools ${first}`;
  return [inspector, call];
}

/** A retention flag: a whole number, 0 meaning no limit. */
function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: must be a whole number (got "${text}")`);
  return Number(text);
}
