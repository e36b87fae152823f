import type { Command } from 'commander';
import type { BackendHealthReport, GatewayInstance } from '../../registry/index.js';
import { heldBack, withRegistry } from '../context.js';
import { printJson, tableLines } from '../output.js';
import { failModeLines, failModes, redisLines } from './status-redis.js';
import { eraLines, memberEras } from './mcp/era-text.js';

/** A gateway whose heartbeat is older than this is reported as not running. */
export const STALE_MS = 15_000;

/** `agate status`: what the registry holds and what each running gateway reports. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('config version, running gateways, their snapshot, last reload, last reload error and unhealthy backends')
    .option('--json', 'print JSON (every backend, healthy or not)')
    .option('--check', "also run the gateway's config checks here and list what a reload holds back (loads the compiler)")
    .action((flags: { json?: boolean; check?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const now = Date.now();
        const status = {
          registry: r.path,
          configVersion: r.version(),
          // Counted, not parsed: status must work beside the malformed row it is reporting.
          counts: { routes: r.routes.count(), upstreams: r.upstreams.count(), mcpServers: r.mcpServers.count() },
          // What a gateway would leave out of the registry as it stands: the compiler's own checks, run here.
          ...(flags.check && { heldBack: heldBack(r) }),
          // `--workers` clusters: each primary with its workers' rows under it.
          gateways: withWorkers(r.instances.list().map((g) => ({ ...g, running: now - Date.parse(g.heartbeatAt) < STALE_MS }))),
          // The protocol era of each remote and stdio MCP server, as a gateway learnt it by probing.
          mcpEras: memberEras(r),
        };
        // Fail modes matter only where limits live in Redis.
        const modes = status.gateways.some((g) => (g.workers ?? [g]).some((w) => w.backendHealth.redis)) ? failModes(r) : undefined;
        if (flags.json) return printJson(modes ? { ...status, failModes: modes } : status);
        const out: string[] = [`registry        ${status.registry}`, `config version  ${status.configVersion}`];
        out.push(`config          ${Object.entries(status.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
        if (status.heldBack?.length === 0) out.push('held back       none');
        status.heldBack?.forEach((line, i) => out.push(`${i === 0 ? 'held back' : '         '}       ${line}`));
        if (status.gateways.length === 0) out.push('gateways        none running');
        for (const g of status.gateways) {
          const workers = g.workers ? `, ${g.workers.length} worker${g.workers.length === 1 ? '' : 's'} on one port` : '';
          out.push(`gateway pid ${g.pid} on ${g.host}: ${g.running ? 'running' : 'not responding (stale heartbeat)'}${workers}`);
          out.push(`  listeners       ${g.listeners.map((l) => `${l.name} ${l.url}`).join(', ')}`);
          if (!g.workers) out.push(...servingLines(g, status.configVersion));
          for (const w of g.workers ?? []) {
            out.push(`  worker pid ${w.pid}: ${w.running ? 'running' : 'not responding (stale heartbeat)'}`);
            out.push(...servingLines(w, status.configVersion).map((line) => `  ${line}`));
          }
        }
        if (modes) out.push(...failModeLines(modes));
        out.push(...eraLines(status.mcpEras));
        process.stdout.write(out.join('\n') + '\n');
      });
    });
}

type Row = GatewayInstance & { running: boolean };

/** A `--workers` primary's row gets its workers' rows as `workers`; a worker whose primary has no row stays on its own. */
function withWorkers(rows: Row[]): Array<Row & { workers?: Row[] }> {
  const primaries = new Set(rows.filter((g) => g.primaryPid === undefined).map((g) => g.pid));
  const under = (pid: number) => rows.filter((w) => w.primaryPid === pid);
  return rows
    .filter((g) => g.primaryPid === undefined || !primaries.has(g.primaryPid))
    .map((g) => (under(g.pid).length ? { ...g, workers: under(g.pid).sort((a, b) => a.pid - b.pid) } : g));
}

/** What one serving process reports: its snapshot, reloads, backends and Redis. */
function servingLines(g: Row, configVersion: number): string[] {
  const behind = g.snapshotVersion !== configVersion ? ' (behind the registry)' : '';
  return [
    `  snapshot        version ${g.snapshotVersion ?? '-'}${behind}`,
    `  last reload     ${g.lastReloadAt ?? '-'}`,
    `  last error      ${g.lastReloadError ?? 'none'}`,
    ...backendLines(g.backendHealth),
    ...redisLines(g.backendHealth.redis),
  ];
}

/** MCP backends that are ready or stopped (nothing running, nothing wrong) count as healthy. */
export const HEALTHY_MCP: ReadonlySet<string> = new Set(['ready', 'stopped']);

/** A count of the healthy backends and a table of the others. */
function backendLines(health: BackendHealthReport): string[] {
  const unhealthy = [
    ...health.mcp
      .filter((b) => !HEALTHY_MCP.has(b.state))
      .map((b) => ({ kind: `mcp ${b.kind}`, name: b.server, state: b.state, since: b.since, until: undefined, reason: b.reason })),
    ...health.http
      .filter((t) => t.state !== 'healthy')
      .map((t) => ({ kind: 'upstream', name: `${t.upstream} ${t.url}`, state: t.state, since: undefined, until: t.ejectedUntil, reason: t.reason })),
  ];
  const total = health.mcp.length + health.http.length;
  if (total === 0) return ['  backends        none supervised'];
  if (unhealthy.length === 0) return [`  backends        ${total} healthy`];
  const table = tableLines(unhealthy, ['kind', 'name', 'state', 'since', 'until', 'reason']).map((line) => `    ${line}`);
  return [`  backends        ${total - unhealthy.length} healthy, ${unhealthy.length} not healthy:`, ...table];
}
