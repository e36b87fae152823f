import { mcpServerUrls } from '../../server/config-tools.js';
import { inspectorCommand } from '../inspector-command.js';

/** What the start-up banner shows. */
export interface BannerInput {
  db: string;
  /** The data-plane bind address as given. */
  host: string;
  url: string;
  adminUrl: string;
  token: { token: string; generated: boolean; file?: string };
  seeded: string[];
  /** MCP servers served now, in name order. */
  mcpServers: string[];
  /** The demo upstream's bound URL; undefined when it is off or did not start. */
  demoUrl: string | undefined;
  /** `--workers`: the worker pids, when more than one process serves the data plane. */
  workerPids?: number[];
}

/** The banner `agate serve` prints once it serves (once, by the primary, with `--workers`). */
export function printBanner(b: BannerInput): void {
  const local = `http://127.0.0.1:${new URL(b.url).port}`;
  const tokenRef = b.token.file ? `$(cat ${b.token.file})` : '$AGATE_ADMIN_TOKEN';
  const lines = [
    `agate is running`,
    `  gateway    ${b.url}${exposure(b.host)}`,
    `  admin API  ${b.adminUrl}   (token: ${b.token.generated ? `${b.token.token}, saved to ${b.token.file}; shown once` : b.token.file ?? 'AGATE_ADMIN_TOKEN'})`,
    `  registry   ${b.db}`,
  ];
  if (b.workerPids) lines.push(`  workers    ${b.workerPids.length} on one port (pids ${b.workerPids.join(', ')}); one admin API, drained together on SIGTERM`);
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

