import type { Command } from 'commander';
import { maskRoute } from '../../registry/index.js';
import { withRegistry, UsageError } from '../context.js';
import { printFields, printJson, printTable } from '../output.js';
import { featureSpec, withFeatureFlags, type RouteFeatureFlags } from './route-flags.js';

interface RouteFlags extends RouteFeatureFlags {
  path?: string;
  pathType?: string;
  host?: string;
  method?: string[];
  upstream?: string;
  stripPrefix?: boolean;
  priority?: string;
  timeout?: string;
  disabled?: boolean;
}

/** The route flags `add` and `update` share. */
function withSpecFlags(cmd: Command): Command {
  return withFeatureFlags(cmd)
    .option('--path <path>', 'path to match (prefix unless --path-type says otherwise)')
    .option('--path-type <type>', 'prefix | exact | regex')
    .option('--host <host>', 'host to match (exact or *.example.com)')
    .option('--method <method...>', 'methods to match')
    .option('--upstream <url-or-name>', 'target URL or upstream name')
    .option('--strip-prefix', 'remove the matched prefix before forwarding')
    .option('--priority <n>', 'higher wins')
    .option('--timeout <duration>', 'upstream response-header timeout, e.g. 5s or 500ms')
    .option('--disabled', 'store the route but do not serve it');
}

/** `agate route add|update|list|show|remove`. */
export function registerRouteCommands(program: Command): void {
  const route = program.command('route').description('HTTP routes');

  withSpecFlags(route.command('add <name>').description('add a route'))
    .option('--json', 'print the stored route as JSON')
    .action((name: string, flags: RouteFlags & { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const stored = r.routes.create(specFromFlags(name, flags), 'cli');
        if (flags.json) printJson(maskRoute(stored));
        else process.stdout.write(`route ${stored.name} added: ${stored.path} -> ${stored.upstream ?? (stored.redirect ? 'redirect' : 'direct response')}\n`);
      });
    });

  withSpecFlags(route.command('update <name>').description('change some fields of a route'))
    .option('--json', 'print the stored route as JSON')
    .action((name: string, flags: RouteFlags & { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const current = r.routes.get(name);
        if (!current) throw new UsageError(`route "${name}" not found`);
        const stored = r.routes.update({ ...current, ...specFromFlags(name, flags, current as unknown as Record<string, unknown>) }, 'cli');
        if (flags.json) printJson(maskRoute(stored));
        else process.stdout.write(`route ${stored.name} updated\n`);
      });
    });

  route
    .command('list')
    .description('list routes')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const routes = r.routes.list().map(maskRoute);
        if (flags.json) printJson(routes);
        else printTable(routes as unknown as Array<Record<string, unknown>>, ['name', 'host', 'path', 'pathType', 'methods', 'upstream', 'priority', 'enabled']);
      });
    });

  route
    .command('show <name>')
    .description('show one route')
    .option('--json', 'print JSON')
    .action((name: string, flags: { json?: boolean }, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const found = r.routes.get(name);
        if (!found) throw new UsageError(`route "${name}" not found`);
        if (flags.json) printJson(maskRoute(found));
        else printFields(maskRoute(found) as unknown as Record<string, unknown>);
      });
    });

  route
    .command('remove <name>')
    .alias('rm')
    .description('remove a route')
    .action((name: string, _flags: unknown, cmd: Command) => {
      withRegistry(cmd.optsWithGlobals(), (r) => r.routes.remove(name, 'cli'));
      process.stdout.write(`route ${name} removed\n`);
    });
}

/** The route spec the flags describe: a whole one for `add`, or the fields to change in `current` for `update`. */
function specFromFlags(name: string, f: RouteFlags, current?: Record<string, unknown>): Record<string, unknown> {
  const complete = current === undefined;
  const spec: Record<string, unknown> = { name, ...featureSpec(f, current ?? {}) };
  if (f.path !== undefined) spec.path = f.path;
  else if (complete && spec.path === undefined) throw new UsageError('route.path: is required (--path or --path-prefix)');
  if (f.upstream !== undefined) spec.upstream = f.upstream;
  else if (complete && spec.redirect === undefined && spec.directResponse === undefined) {
    throw new UsageError('route.upstream: is required (--upstream), unless --redirect or --direct-status is given');
  }
  if (f.pathType !== undefined) spec.pathType = f.pathType;
  if (f.host !== undefined) spec.host = f.host;
  if (f.method !== undefined) spec.methods = f.method.map((m) => m.toUpperCase());
  if (f.stripPrefix) spec.stripPrefix = true;
  if (f.priority !== undefined) spec.priority = parseInteger(f.priority, 'route.priority');
  if (f.timeout !== undefined) spec.timeoutMs = parseDuration(f.timeout, 'route.timeoutMs');
  if (f.disabled) spec.enabled = false;
  return spec;
}

/** Parses an integer flag, naming the field when it is not one. */
export function parseInteger(text: string, field: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${field}: must be an integer (got "${text}")`);
  return Number(text);
}

/** Parses `250ms`, `5s`, `2m` or a bare number of milliseconds. */
export function parseDuration(text: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${field}: must be a duration such as 500ms, 5s or 2m (got "${text}")`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}
