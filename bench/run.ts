import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../registry/index.js';

/**
 * `npm run bench -- <name>`: runs bench/<name>.ts's `run()` (the compiled copy next to this file). A run()
 * that returns its figures has them written to bench/results/<name>-<time>.json; one that returns nothing
 * wrote its own.
 */
const name = process.argv[2];
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write('usage: npm run bench -- <name>   (e.g. llm)\n');
  process.exit(2);
}
const mod = (await import(`./${name}.js`)) as { run?: () => Promise<unknown> };
if (typeof mod.run !== 'function') {
  process.stderr.write(`bench/${name} has no run() export\n`);
  process.exit(2);
}
const result = await mod.run();
if (result !== undefined) {
  const dir = join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\nresults written to ${file}\n`);
}
