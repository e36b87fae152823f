import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { packageRoot } from './package-root.js';

// ajv is required lazily (it is CommonJS): a warm cache never loads its compiler at all.
const require = createRequire(import.meta.url);

/**
 * The options every schema is compiled with. `validateSchema: false` skips compiling the 2020-12 meta-schema
 * at run time; test/registry/schemas.test.ts checks every schema file against it instead.
 */
const OPTIONS = { allErrors: true, useDefaults: true, verbose: true, strict: true, discriminator: true, validateSchema: false, code: { source: true } };

let schemas: { dir: string; files: string[]; key: string } | undefined;
let ajv: Ajv2020 | undefined;

/** The schema files and a key that changes when any of them, ajv's version or the options change. */
function schemaFiles(): { dir: string; files: string[]; key: string } {
  if (schemas) return schemas;
  const dir = join(packageRoot(), 'schemas');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  const hash = createHash('sha256').update((require('ajv/package.json') as { version: string }).version).update(JSON.stringify(OPTIONS));
  for (const f of files) hash.update(f).update(readFileSync(join(dir, f)));
  schemas = { dir, files, key: hash.digest('hex').slice(0, 16) };
  return schemas;
}

/** One ajv instance holding every schema (they $ref each other), compiling nothing until asked. */
function schemaSet(): Ajv2020 {
  if (ajv) return ajv;
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  ajv = new AjvClass(OPTIONS);
  // `errorMessage` is our annotation: the human wording for a pattern a user gets wrong.
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  const { dir, files } = schemaFiles();
  for (const f of files) ajv.addSchema(JSON.parse(readFileSync(join(dir, f), 'utf8')));
  return ajv;
}

/** Compiles the schema `id` now, bypassing the cache. */
export function compileValidator(id: string): ValidateFunction {
  const fn = schemaSet().getSchema(id);
  if (!fn) throw new Error(`schema ${id} is missing from schemas/`);
  return fn;
}

/**
 * The validator of schema `id`, from ajv standalone code cached in node_modules/.cache/agate-schemas/ (keyed by
 * every schema file, ajv's version and the options), compiled and cached on a miss. Compiling the route schema
 * cost a CLI command ~60 ms of its start-up; loading the cached code costs ~4 ms. A cache that cannot be
 * written (a read-only install) only means compiling every time.
 */
export function loadValidator(id: string, name: string): ValidateFunction {
  const file = join(packageRoot(), 'node_modules', '.cache', 'agate-schemas', `${name}-${schemaFiles().key}.cjs`);
  try {
    return require(file) as ValidateFunction;
  } catch {
    // Missing (or unreadable): compile, then try to leave the code for the next process.
  }
  const fn = compileValidator(id);
  try {
    const standaloneCode = (require('ajv/dist/standalone/index.js') as { default: (a: Ajv2020, f: ValidateFunction) => string }).default;
    mkdirSync(join(file, '..'), { recursive: true });
    // Written whole, then renamed: a concurrent process never requires a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, standaloneCode(schemaSet(), fn));
    renameSync(tmp, file);
    // Code for older versions of the schemas is dead: remove it so the folder does not grow with every edit.
    const dir = join(file, '..');
    for (const old of readdirSync(dir)) if (old.startsWith(`${name}-`) && old.endsWith('.cjs') && join(dir, old) !== file) rmSync(join(dir, old), { force: true });
  } catch {
    // Best effort only.
  }
  return fn;
}
