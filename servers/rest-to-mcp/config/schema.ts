import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** `$id` of the REST-to-MCP config schema. */
export const REST_CONFIG_SCHEMA_ID = 'https://agate.dev/schemas/rest-mcp-config.schema.json';

let compiled: ValidateFunction | undefined;

// servers/ may not import registry/ (design §2), so this finds schemas/ the same way registry does:
// walk up from this file to the folder holding package.json, from sources or from dist/.
function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find package.json above ${import.meta.url}`);
    dir = parent;
  }
  return join(dir, 'schemas', 'rest-mcp-config.schema.json');
}

/** The config validator, compiled on first use (ajv applies schema defaults in place). */
export function restConfigValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true });
  // Same annotation keyword registry/validation.ts declares, so the one schema works in both.
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  compiled = ajv.compile(JSON.parse(readFileSync(schemaPath(), 'utf8')) as object);
  return compiled;
}

/** Turns ajv errors into `tools[2] (get_weather).args[0].type: must be string` lines. */
export function formatSchemaErrors(doc: unknown, errors: readonly ErrorObject[]): string[] {
  const lines = new Set<string>();
  for (const e of errors) {
    let path = describePath(doc, e.instancePath);
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path += `${path === '' ? '' : '.'}${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path += `${path === '' ? '' : '.'}${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not allowed';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    lines.add(`${path === '' ? '(root)' : path}: ${message}`);
  }
  return [...lines];
}

/** A JSON pointer as `tools[2] (get_weather).requestTemplate`, naming tools so errors are findable. */
function describePath(doc: unknown, pointer: string): string {
  if (pointer === '') return '';
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc;
  let out = '';
  for (const seg of segments) {
    const isIndex = /^\d+$/.test(seg) && Array.isArray(node);
    out += isIndex ? `[${seg}]` : `${out === '' ? '' : '.'}${seg}`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    const name = isIndex && node !== null && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && out.startsWith('tools[') && !out.includes('.')) out += ` (${name})`;
  }
  return out;
}
