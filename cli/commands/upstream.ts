import type { Command } from 'commander';
import { withRegistry, UsageError } from '../context.js';
import { printFields, printJson, printTable } from '../output.js';

/** The balancing, health and fallback flags `add` and `update` share. */
function withSpecFlags(cmd: Command): Command {
  return cmd
    .option('--balance <policy>', 'round-robin | least-request | consistent-hash')
    .option('--hash-header <name>', 'consistent hash on this header')
    .option('--hash-cookie <name>', 'consistent hash on this cookie')
    .option('--hash-source-ip', 'consistent hash on the client address')
    .option('--health-path <path>', 'active health check: GET this path on every target')
    .option('--health-interval <ms>', 'between health checks')
    .option('--healthy-threshold <n>', 'successes before a target is healthy again')
    .option('--unhealthy-threshold <n>', 'failures before a target is unhealthy')
    .option('--eject-after <n>', 'eject a target after this many consecutive failures')
    .option('--eject-time <ms>', 'base ejection time (grows with each ejection)')
    .option('--max-ejected <percent>', 'cap on the share of ejected targets')
    .option('--fallback <names>', 'upstreams tried in order when no target is available')
    .option('--json', 'print the stored upstream as JSON');
}

/** `agate upstream add|update|list|show|remove`. */
export function registerUpstreamCommands(program: Command): void {
  const upstream = program.command('upstream').description('upstreams: named sets of weighted targets');
  registerAddUpdate(upstream);

  upstream
    .command('list')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const items = r.upstreams.list();
        if (flags.json) return printJson(items);
        printTable(
          items.map((u) => ({ name: u.name, balance: u.balance, targets: u.targets.map((t) => `${t.url}=${t.weight}`), health: u.healthCheck?.path, fallback: u.fallback })),
          ['name', 'balance', 'targets', 'health', 'fallback'],
        );
      });
    });

  upstream
    .command('show <name>')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const found = r.upstreams.get(name);
        if (!found) throw new UsageError(`upstream "${name}" not found`);
        if (flags.json) printJson(found);
        else printFields({ ...found, targets: found.targets.map((t) => `${t.url}=${t.weight}`) });
      });
    });

  upstream
    .command('remove <name>')
    .alias('rm')
    .action((name: string, _flags: unknown, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => r.upstreams.remove(name, 'cli'));
      process.stdout.write(`upstream ${name} removed\n`);
    });
}

/** `agate upstream add` and `update`. */
function registerAddUpdate(upstream: Command): void {
  withSpecFlags(
    upstream
      .command('add <name>')
      .description('add an upstream')
      // Commander only treats `<word...>` as variadic: `<url[=weight]...>` silently took a single string.
      .requiredOption('--target <url...>', 'a target URL, optionally with =weight, e.g. http://10.0.0.1:80=3 (repeatable)'),
  ).action((name: string, flags: UpstreamFlags & { target: string[]; json?: boolean }, cmd: Command) => {
    withRegistry(cmd.optsWithGlobals(), (r) => {
      const stored = r.upstreams.create({ name, targets: flags.target.map(parseTarget), ...resilienceSpec(flags) }, 'cli');
      if (flags.json) printJson(stored);
      else process.stdout.write(`upstream ${name} added with ${stored.targets.length} target(s)\n`);
    });
  });

  withSpecFlags(
    upstream
      .command('update <name>')
      .description('change an upstream: --target replaces all targets; other flags replace only what they name')
      .option('--target <url...>', 'the new targets, each optionally with =weight'),
  ).action((name: string, flags: UpstreamFlags & { target?: string[]; json?: boolean }, cmd: Command) => {
    withRegistry(cmd.optsWithGlobals(), (r) => {
      const current = r.upstreams.get(name);
      if (!current) throw new UsageError(`upstream "${name}" not found`);
      const targets = flags.target ? flags.target.map(parseTarget) : current.targets;
      const stored = r.upstreams.update({ ...current, targets, ...resilienceSpec(flags) }, 'cli');
      if (flags.json) printJson(stored);
      else process.stdout.write(`upstream ${name} updated (${stored.targets.length} target(s))\n`);
    });
  });
}

function parseTarget(text: string): { url: string; weight?: number } {
  const eq = text.lastIndexOf('=');
  if (eq > text.indexOf('://') + 2 && /^\d+$/.test(text.slice(eq + 1))) {
    return { url: text.slice(0, eq), weight: Number(text.slice(eq + 1)) };
  }
  return { url: text };
}

interface UpstreamFlags {
  balance?: string;
  hashHeader?: string;
  hashCookie?: string;
  hashSourceIp?: boolean;
  healthPath?: string;
  healthInterval?: string;
  healthyThreshold?: string;
  unhealthyThreshold?: string;
  ejectAfter?: string;
  ejectTime?: string;
  maxEjected?: string;
  fallback?: string;
}

/** Balancing, health-check, ejection and fallback flags as upstream spec fields (the schema checks ranges). */
function resilienceSpec(f: UpstreamFlags): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const num = (v: string | undefined, field: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`${field}: must be a whole number (got "${v}")`);
    return Number(v);
  };
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (f.balance) spec.balance = f.balance;
  if (f.hashHeader) spec.hashOn = { source: 'header', name: f.hashHeader };
  if (f.hashCookie) spec.hashOn = { source: 'cookie', name: f.hashCookie };
  if (f.hashSourceIp) spec.hashOn = { source: 'source-ip' };
  if (spec.hashOn && !f.balance) spec.balance = 'consistent-hash';
  if (f.healthPath) {
    spec.healthCheck = defined({
      path: f.healthPath,
      intervalMs: num(f.healthInterval, 'upstream.healthCheck.intervalMs'),
      healthyThreshold: num(f.healthyThreshold, 'upstream.healthCheck.healthyThreshold'),
      unhealthyThreshold: num(f.unhealthyThreshold, 'upstream.healthCheck.unhealthyThreshold'),
    });
  }
  if (f.ejectAfter || f.ejectTime || f.maxEjected) {
    spec.outlier = defined({
      consecutiveFailures: num(f.ejectAfter, 'upstream.outlier.consecutiveFailures'),
      baseEjectionMs: num(f.ejectTime, 'upstream.outlier.baseEjectionMs'),
      maxEjectedPercent: num(f.maxEjected, 'upstream.outlier.maxEjectedPercent'),
    });
  }
  if (f.fallback) spec.fallback = f.fallback.split(',').map((s) => s.trim()).filter(Boolean);
  return spec;
}
