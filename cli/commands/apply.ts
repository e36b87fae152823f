import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RegistryError, type ConsumerSpec, type McpServerSpec, type Registry, type RouteSpec, type UpstreamSpec } from '../../registry/index.js';
import { withRegistry, UsageError } from '../context.js';

interface ApplyDocument {
  upstreams?: unknown[];
  routes?: unknown[];
  consumers?: unknown[];
  mcpServers?: unknown[];
}

/** `agate apply -f file`: upstreams, consumers, routes and MCP servers from YAML or JSON, validated as a whole, written in one transaction. */
export function registerApplyCommand(program: Command): void {
  program
    .command('apply')
    .description('create or update upstreams, consumers, routes and MCP servers from a YAML or JSON file, all or nothing')
    .requiredOption('-f, --file <path>', 'the file to apply')
    .action(async (flags: { file: string }, cmd: Command) => {
      const doc = await readDocument(flags.file);
      withRegistry(cmd.optsWithGlobals(), (r) => {
        const counts = r.transaction(() => applyDocument(r, doc));
        process.stdout.write(`applied ${flags.file}: ${counts.create} created, ${counts.update} updated, ${counts.unchanged} unchanged\n`);
      });
    });
}

type Counts = Record<'create' | 'update' | 'unchanged', number>;

/**
 * Writes the document inside the caller's transaction, all or nothing. Each entry is checked against its schema
 * first; references (an upstream's fallback, a route's upstream) are checked once every upstream of the file is
 * written, so the file may list them in any order; then the snapshot compiler's checks run over the result.
 */
function applyDocument(r: Registry, doc: ApplyDocument): Counts {
  const problems: string[] = [];
  const each = <T>(items: unknown[] | undefined, label: string, fn: (x: T) => T): T[] =>
    ((items ?? []) as T[]).flatMap((item, i) => {
      try {
        return [fn(item)];
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
        problems.push(...err.problems.map((p) => `${label}[${i}]: ${p}`));
        return [];
      }
    });
  const upstreams = each<UpstreamSpec>(doc.upstreams, 'upstreams', (x) => r.upstreams.validateShape(x));
  const consumers = each<ConsumerSpec>(doc.consumers, 'consumers', (x) => r.consumers.store.validateShape(x));
  const routes = each<RouteSpec>(doc.routes, 'routes', (x) => r.routes.validateShape(x));
  const mcpServers = each<McpServerSpec>(doc.mcpServers, 'mcpServers', (x) => r.mcpServers.validateShape(x));
  if (problems.length) throw new RegistryError('validation', problems);
  const touched = [
    ...upstreams.map((u) => ({ kind: 'upstream' as const, name: u.name })),
    ...consumers.map((c) => ({ kind: 'consumer' as const, name: c.name })),
    ...routes.map((x) => ({ kind: 'route' as const, name: x.name })),
    ...mcpServers.map((m) => ({ kind: 'mcpServer' as const, name: m.name })),
  ];
  const counts: Counts = { create: 0, update: 0, unchanged: 0 };
  r.guardWrite(touched, () => {
    for (const u of upstreams) counts[r.upstreams.upsertInTransaction(u, 'cli')]++;
    each<UpstreamSpec>(upstreams, 'upstreams', (u) => r.upstreams.checkReferences(u));
    // Consumers carry no keys here: keys are issued one at a time (`consumer key add`) and shown once.
    for (const c of consumers) counts[r.consumers.store.upsertInTransaction(c, 'cli')]++;
    // Before the routes are written: a route row naming a missing upstream would break its foreign key.
    each<RouteSpec>(routes, 'routes', (x) => r.routes.checkReferences(x));
    if (problems.length) throw new RegistryError('validation', problems);
    for (const route of routes) counts[r.routes.upsertInTransaction(route, 'cli')]++;
    // Header and env values are sealed by the repository's write hook, as on every other write path.
    for (const m of mcpServers) counts[r.mcpServers.upsertInTransaction(m, 'cli')]++;
  });
  return counts;
}

async function readDocument(file: string): Promise<ApplyDocument> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    // yaml is loaded here, not at the top: every other command would pay for it at start-up.
    doc = file.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file}: must be an object with "upstreams", "consumers", "routes" and/or "mcpServers"`);
  const keys = ['upstreams', 'routes', 'consumers', 'mcpServers'] as const;
  const extra = Object.keys(doc).filter((k) => !(keys as readonly string[]).includes(k));
  if (extra.length) throw new UsageError(`${file}: ${extra[0]}: is not allowed (expected "upstreams", "consumers", "routes" and/or "mcpServers")`);
  for (const key of keys) {
    const v = (doc as ApplyDocument)[key];
    if (v !== undefined && !Array.isArray(v)) throw new UsageError(`${file}: ${key}: must be an array`);
  }
  return doc as ApplyDocument;
}
