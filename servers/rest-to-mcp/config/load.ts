import { readFile } from 'node:fs/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { compileConfig } from './compile.js';
import { checkConfigRules } from './rules.js';
import { formatSchemaErrors, restConfigValidator } from './schema.js';
import type { CompiledRestConfig, RestConfigResult, RestMcpConfig } from './types.js';

/**
 * Validates a config object (already parsed from YAML or JSON): schema with defaults, Higress's
 * parse-time rules, then every template parsed once. The input is not modified.
 */
export function validateRestConfig(input: unknown): RestConfigResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: ['(root): must be an object'] };
  const source = structuredClone(input) as Record<string, unknown>;
  const doc = structuredClone(input) as Record<string, unknown>;
  const validate = restConfigValidator();
  if (!validate(doc)) return { ok: false, errors: formatSchemaErrors(doc, validate.errors ?? []) };
  const config = doc as RestMcpConfig;
  const ruleErrors = checkConfigRules(config);
  if (ruleErrors.length > 0) return { ok: false, errors: ruleErrors };
  const { value, errors } = compileConfig(config, source);
  return value !== undefined ? { ok: true, value } : { ok: false, errors };
}

/** Parses YAML (or JSON, which is YAML) text holding exactly one config, then validates it. */
export function parseRestConfigText(text: string, fileName = '<config>'): RestConfigResult {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return { ok: false, errors: [`${fileName}: no config document`] };
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  const [doc] = real;
  if (doc === undefined || real.length !== 1) {
    return { ok: false, errors: [`${fileName}: expected one YAML document, found ${real.length}`] };
  }
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((e) => `${fileName}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n', 1)[0] ?? ''}`) };
  }
  const result = validateRestConfig(doc.toJS({ maxAliasCount: 100 }));
  return result.ok ? result : { ok: false, errors: result.errors.map((e) => `${fileName}: ${e}`) };
}

/** Reads and validates a config file (`.yaml`, `.yml` or `.json`); errors name the file. */
export async function loadRestConfigFile(path: string): Promise<RestConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  return parseRestConfigText(text, path);
}

/** The config as it was given (no defaults filled in), as YAML or JSON text for `agate mcp export`. */
export function exportConfig(compiled: CompiledRestConfig, format: 'yaml' | 'json' = 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(compiled.source, null, 2)}\n` : stringify(compiled.source, { lineWidth: 0 });
}
