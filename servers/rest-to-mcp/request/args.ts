import type { CompiledTool } from '../config/types.js';
import { GoInt } from './go-values.js';

/** Processed arguments in declaration order (only declared ones), or why the call is refused. */
export type ArgsResult = { readonly ok: true; readonly args: Map<string, unknown> } | { readonly ok: false; readonly error: string };

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Higress `RestMCPTool.Create` (§2.3): declared args only, defaults for absent ones, light coercion by
 * type. Strict mode first checks the raw arguments against the tool's inputSchema and refuses the
 * call with a message naming the argument; Higress mode drops undeclared arguments silently.
 */
export function processArgs(tool: CompiledTool, raw: Readonly<Record<string, unknown>> | undefined): ArgsResult {
  const input = raw ?? {};
  if (tool.validateArgs !== undefined && !tool.validateArgs(input)) {
    return { ok: false, error: describeArgErrors(tool) };
  }
  const args = new Map<string, unknown>();
  for (const arg of tool.args) {
    if (!Object.prototype.hasOwnProperty.call(input, arg.name)) {
      if (arg.default !== undefined && arg.default !== null) args.set(arg.name, coerce(arg.type, arg.default));
      continue;
    }
    args.set(arg.name, coerce(arg.type, input[arg.name]));
  }
  return { ok: true, args };
}

function coerce(type: string, value: unknown): unknown {
  switch (type) {
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'integer':
      if (typeof value === 'number' && Number.isFinite(value)) return new GoInt(Math.trunc(value));
      if (typeof value === 'string' && INT_TEXT.test(value) && Number.isSafeInteger(Number(value))) return new GoInt(Number(value));
      return value;
    case 'number':
      return typeof value === 'string' && FLOAT_TEXT.test(value) ? Number(value) : value;
    default:
      return value;
  }
}

function describeArgErrors(tool: CompiledTool): string {
  const messages = new Set<string>();
  for (const e of tool.validateArgs?.errors ?? []) {
    const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') {
      messages.add(`argument "${(e.params as { missingProperty: string }).missingProperty}" is required`);
    } else if (e.keyword === 'additionalProperties') {
      messages.add(`argument "${(e.params as { additionalProperty: string }).additionalProperty}" is not declared by tool ${tool.name}`);
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      messages.add(`argument "${path.join('.')}" must be one of ${allowed}`);
    } else if (path.length > 0) {
      messages.add(`argument "${path.join('.')}" ${e.message ?? 'is invalid'}`);
    } else {
      messages.add(`arguments ${e.message ?? 'are invalid'}`);
    }
  }
  return `invalid arguments for ${tool.name}: ${[...messages].join('; ')}`;
}

/** The args as plain JSON for template data (`.args`). */
export function argsForTemplate(args: ReadonlyMap<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(Object.fromEntries(args))) as Record<string, unknown>;
}
