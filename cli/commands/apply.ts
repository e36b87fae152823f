import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RegistryError } from '../../registry/index.js';
import { withRegistry, UsageError } from '../context.js';

interface ApplyDocument {
  upstreams?: unknown[];
  routes?: unknown[];
  consumers?: unknown[];
}

/** `agate apply -f file`: upstreams, consumers and routes from YAML or JSON, validated as a whole, written in one transaction. */
export function registerApplyCommand(program: Command): void {
  program
    .command('apply')
    .description('create or update upstreams and routes from a YAML or JSON file, all or nothing')
    .requiredOption('-f, --file <path>', 'the file to apply')
    .action(async (flags: { file: string }, cmd: Command) => {
      const doc = await readDocument(flags.file);
      withRegistry(cmd.optsWithGlobals(), (r) => {
        // Validate everything first; a single bad entry means nothing is written.
        const problems: string[] = [];
        const validateAll = <T>(items: unknown[] | undefined, validate: (x: unknown) => T, label: string): T[] =>
          (items ?? []).flatMap((item, i) => {
            try {
              return [validate(item)];
            } catch (err) {
              if (!(err instanceof RegistryError)) throw err;
              problems.push(...err.problems.map((p) => `${label}[${i}]: ${p}`));
              return [];
            }
          });
        const upstreams = validateAll(doc.upstreams, (x) => r.upstreams.validate(x), 'upstreams');
        const consumers = validateAll(doc.consumers, (x) => r.consumers.store.validate(x), 'consumers');
        const counts = { create: 0, update: 0 };
        r.transaction(() => {
          for (const u of upstreams) counts[r.upstreams.upsertInTransaction(u, 'cli')]++;
          // Consumers carry no keys here: keys are issued one at a time (`consumer key add`) and shown once.
          for (const c of consumers) counts[r.consumers.store.upsertInTransaction(c, 'cli')]++;
          // Routes are validated after upstreams are written, so they may name upstreams from the same file.
          const routes = validateAll(doc.routes, (x) => r.routes.validate(x), 'routes');
          if (problems.length) throw new RegistryError('validation', problems);
          for (const route of routes) counts[r.routes.upsertInTransaction(route, 'cli')]++;
        });
        process.stdout.write(`applied ${flags.file}: ${counts.create} created, ${counts.update} updated\n`);
      });
    });
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
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file}: must be an object with "upstreams" and/or "routes"`);
  const extra = Object.keys(doc).filter((k) => k !== 'upstreams' && k !== 'routes' && k !== 'consumers');
  if (extra.length) throw new UsageError(`${file}: ${extra[0]}: is not allowed (expected "upstreams", "routes" and/or "consumers")`);
  for (const key of ['upstreams', 'routes', 'consumers'] as const) {
    const v = (doc as ApplyDocument)[key];
    if (v !== undefined && !Array.isArray(v)) throw new UsageError(`${file}: ${key}: must be an array`);
  }
  return doc as ApplyDocument;
}
