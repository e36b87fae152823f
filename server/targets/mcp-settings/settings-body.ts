import { checkContentType } from '../mcp-router/downstream/http-checks.js';
import { gatewayError } from '../../errors/index.js';
import { readBody } from '../../pipeline/read-body.js';
import type { GatewayContext } from '../../pipeline/index.js';

/** Largest settings body, bytes: 64 settings of 4096 characters fit with room for JSON escapes. */
export const SETTINGS_BODY_LIMIT = 64 * 1024;
/** Most settings one request may carry. */
export const MAX_SETTINGS = 64;
/** Longest value, characters (the registry's `settings` values have the same bound). */
export const MAX_VALUE_LENGTH = 4096;

/**
 * Reads a `PUT /mcp/<name>/settings` body: JSON (415 otherwise), at most SETTINGS_BODY_LIMIT bytes (413, read no
 * further), an object of setting name → string value. Every refusal names what is wrong (the field, its type).
 */
export async function readSettings(ctx: GatewayContext): Promise<Record<string, string>> {
  const { req, res } = ctx.http!;
  const badType = checkContentType(req);
  if (badType) throw badType;
  const read = await readBody(req, res, SETTINGS_BODY_LIMIT);
  if (!read.ok) {
    throw read.reason === 'too-large' ? gatewayError('GW_ERR_MCP_BODY_TOO_LARGE', SETTINGS_BODY_LIMIT) : gatewayError('GW_ERR_SETTINGS_INVALID', 'the body could not be read');
  }
  return parseSettings(read.body);
}

/** Checks a body's JSON: a non-empty object of at most MAX_SETTINGS string values of at most MAX_VALUE_LENGTH characters. */
export function parseSettings(body: Buffer): Record<string, string> {
  const text = body.toString('utf8');
  // JSON.parse of 64 KiB nested 32,000 deep holds the loop for tens of ms; the one shape taken is 2 deep at most.
  if (nestsDeeperThan(text, 2)) throw gatewayError('GW_ERR_SETTINGS_INVALID', 'the body nests arrays or objects; it must be a JSON object of setting name → string value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw gatewayError('GW_ERR_SETTINGS_INVALID', `the body is not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw gatewayError('GW_ERR_SETTINGS_INVALID', `the body must be a JSON object of setting name → string value, not ${describe(parsed)}`);
  }
  const entries = Object.entries(parsed);
  if (entries.length === 0) throw gatewayError('GW_ERR_SETTINGS_INVALID', 'the body names no setting');
  if (entries.length > MAX_SETTINGS) throw gatewayError('GW_ERR_SETTINGS_INVALID', `${entries.length} settings, at most ${MAX_SETTINGS} per request`);
  // No prototype: a key such as "__proto__" stays a plain key (and is refused as undeclared).
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw gatewayError('GW_ERR_SETTINGS_INVALID', `"${printable(key)}": must be a string, not ${describe(value)}`);
    if (value.length > MAX_VALUE_LENGTH) throw gatewayError('GW_ERR_SETTINGS_INVALID', `"${printable(key)}": longer than ${MAX_VALUE_LENGTH} characters`);
    values[key] = value;
  }
  return values;
}

/** A JSON value's kind, for refusals (never the value itself: it may be a credential). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A client-chosen key as a refusal may quote it: at most 64 characters, no control characters. */
export function printable(key: string): string {
  const clean = key.replace(/[\u0000-\u001f\u007f]/g, '');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

/** Whether JSON text nests `[`/`{` deeper than `max` (outside strings): one pass, no parse. */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
