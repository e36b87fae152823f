import type { Command } from 'commander';
import { dbPath, UsageError } from '../context.js';
import { parseInteger } from './route.js';
import type { RunningGateway } from '../../server/index.js';
import { mcpServerUrls } from '../../server/targets/mcp-router/urls.js';

interface ServeFlags {
  port?: string;
  adminPort?: string;
  adminAllowedHost?: string[];
  auditKeepDays?: string;
  auditKeepRows?: string;
  host?: string;
  demoPort?: string;
  drain?: string;
}

/** `agate serve`: the gateway and its admin API, until SIGTERM or SIGINT. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (data plane and admin API)')
    .option('--port <port>', 'data-plane port (env AGATE_PORT)', process.env.AGATE_PORT ?? '8080')
    .option('--admin-port <port>', 'admin API port, on 127.0.0.1 (env AGATE_ADMIN_PORT)', process.env.AGATE_ADMIN_PORT ?? '8001')
    .option('--host <address>', 'data-plane bind address', '0.0.0.0')
    .option('--admin-allowed-host <name...>', 'Host header names the admin API accepts besides loopback names (env AGATE_ADMIN_ALLOWED_HOSTS, comma-separated)')
    .option('--demo-port <port>', 'port of the built-in demo upstream on 127.0.0.1; 0 turns it off (env AGATE_DEMO_PORT)', process.env.AGATE_DEMO_PORT ?? '8002')
    .option('--audit-keep-days <n>', 'prune audit log rows older than n days; 0 keeps them (env AGATE_AUDIT_KEEP_DAYS, default 365)', process.env.AGATE_AUDIT_KEEP_DAYS)
    .option('--audit-keep-rows <n>', 'keep only the newest n audit log rows; 0 keeps all (env AGATE_AUDIT_KEEP_ROWS, default 1000000)', process.env.AGATE_AUDIT_KEEP_ROWS)
    .option('--drain <ms>', 'how long in-flight requests may finish on shutdown', '10000')
    .action(async (flags: ServeFlags, cmd: Command) => {
      await serve(flags, dbPath(cmd.optsWithGlobals()));
    });
}

async function serve(flags: ServeFlags, db: string): Promise<void> {
  const port = parsePort(flags.port!, '--port');
  const adminPort = parsePort(flags.adminPort!, '--admin-port');
  const demoPort = parsePort(flags.demoPort!, '--demo-port');
  const auditRetention = {
    ...(flags.auditKeepDays !== undefined && { days: wholeNumber(flags.auditKeepDays, '--audit-keep-days') }),
    ...(flags.auditKeepRows !== undefined && { rows: wholeNumber(flags.auditKeepRows, '--audit-keep-rows') }),
  };
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
    gateway = await startGateway({
      dbPath: db,
      port,
      adminPort,
      auditRetention,
      adminAllowedHosts: flags.adminAllowedHost ?? process.env.AGATE_ADMIN_ALLOWED_HOSTS?.split(',').map((h) => h.trim()).filter(Boolean),
      host: flags.host,
      drainMs: parseInteger(flags.drain!, '--drain'),
    });
  } catch (err) {
    // A listening demo upstream would keep the process alive after a failed start (a corrupt registry hung here).
    demo?.server.close();
    throw err;
  }
  const mcpServers = [...(gateway.snapshots.current()?.mcp.servers.keys() ?? [])];
  printBanner({ db, url: gateway.url, adminUrl: gateway.adminUrl, token: gateway.adminToken, seeded, port, mcpServers, demo: demo !== undefined });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`agate: ${signal} received, draining in-flight requests\n`);
    Promise.all([gateway.close(), new Promise<void>((r) => (demo ? demo.server.close(() => r()) : r()))]).then(
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

function parsePort(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag}: must be a port number 0-65535 (got "${text}")`);
  return n;
}

function printBanner(b: {
  db: string;
  url: string;
  adminUrl: string;
  token: { token: string; generated: boolean; file?: string };
  seeded: string[];
  port: number;
  /** MCP servers served now, in name order. */
  mcpServers: string[];
  demo: boolean;
}): void {
  const local = `http://127.0.0.1:${new URL(b.url).port}`;
  const tokenRef = b.token.file ? `$(cat ${b.token.file})` : '$AGATE_ADMIN_TOKEN';
  const lines = [
    `agate is running`,
    `  gateway    ${b.url}`,
    `  admin API  ${b.adminUrl}   (token: ${b.token.generated ? `${b.token.token}, saved to ${b.token.file}; shown once` : b.token.file ?? 'AGATE_ADMIN_TOKEN'})`,
    `  registry   ${b.db}`,
  ];
  if (b.seeded.length) lines.push(`  first start: added ${b.seeded.join(', ')}`);
  lines.push(...mcpLines(local, b.mcpServers));
  lines.push(
    '',
    'Try:',
    ...(b.demo ? [`  curl ${local}/demo/hello`] : []),
    ...mcpTryLines(local, b.mcpServers),
    `  npx agate route add echo --path /echo --upstream http://127.0.0.1:8002 --strip-prefix && curl ${local}/echo/hi`,
    `  npx agate status`,
    `  curl -H "Authorization: Bearer ${tokenRef}" ${b.adminUrl}/routes`,
    '',
  );
  process.stderr.write(lines.join('\n') + '\n');
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
  const inspector = `  npx @modelcontextprotocol/inspector --cli ${mcpServerUrls(local, first).streamableHttp} --transport http --method tools/list`;
  const call = first === 'time' ? `  npx agate mcp call time get-current-time --args '{"timeZone":"Europe/London"}'` : `  npx agate mcp tools ${first}`;
  return [inspector, call];
}

/** A retention flag: a whole number, 0 meaning no limit. */
function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: must be a whole number (got "${text}")`);
  return Number(text);
}
