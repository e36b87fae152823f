import type { CompiledRequest } from '../config/types.js';
import { renderOr, type RenderScope } from './render.js';
import { goEncodeQuery, toByteString, type GoValues } from './go-url.js';
import { goArgString, goJsonMarshal } from './go-values.js';
import type { HeaderList } from './security.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** What the body step reads and may add a Content-Type to. */
export interface BodyInput extends RenderScope {
  readonly headers: HeaderList;
  readonly bodyArgs: readonly [string, unknown][];
  readonly defaultArgs: readonly [string, unknown][];
}

/** Higress `hasContentType`: a Content-Type header whose value contains `part` (case-insensitive). */
function hasContentType(headers: HeaderList, part: string): boolean {
  return headers.some(([k, v]) => k.toLowerCase() === 'content-type' && v.toLowerCase().includes(part));
}

/**
 * The request body (§2.4 step 6): an explicit template wins (JSON-looking output gets a JSON
 * Content-Type); argsToJsonBody / argsToFormBody send body + default args; otherwise body-position
 * args go as a form when a form Content-Type is configured, else as JSON. No args, no body.
 */
export function bodyFor(req: CompiledRequest, input: BodyInput): { text?: string; error?: string } {
  const { headers } = input;
  const hasJson = hasContentType(headers, 'application/json');
  const hasForm = hasContentType(headers, FORM_TYPE);
  if (req.body !== undefined) {
    const rendered = renderOr(req.body, 'body', input);
    if (rendered.error !== undefined) return rendered;
    if (!hasJson && looksLikeJson(rendered.text!)) headers.push(['Content-Type', JSON_TYPE]);
    return rendered;
  }
  if (req.bodyMode === 'json') {
    if (!hasJson) headers.push(['Content-Type', JSON_TYPE]);
    return { text: goJsonMarshal(Object.fromEntries([...input.bodyArgs, ...input.defaultArgs])) };
  }
  if (req.bodyMode === 'form') {
    if (!hasForm) headers.push(['Content-Type', FORM_TYPE]);
    return { text: formEncode([...input.bodyArgs, ...input.defaultArgs]) };
  }
  if (input.bodyArgs.length === 0) return {};
  if (hasForm) return { text: formEncode(input.bodyArgs) };
  if (!hasJson) headers.push(['Content-Type', JSON_TYPE]);
  return { text: goJsonMarshal(Object.fromEntries(input.bodyArgs)) };
}

function formEncode(args: readonly [string, unknown][]): string {
  const values: GoValues = new Map();
  for (const [name, value] of args) values.set(toByteString(name), [toByteString(goArgString(value))]);
  // Encode works on byte strings; the percent-escaped result is plain ASCII.
  return goEncodeQuery(values);
}

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']')))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}
