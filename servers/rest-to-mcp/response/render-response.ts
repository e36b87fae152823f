import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CompiledTool } from '../config/types.js';
import type { CallContext } from '../request/call-context.js';
import { renderOr, type RenderScope } from '../request/render.js';
import type { UpstreamResponse } from '../upstream/send.js';
import { structuredContentFor } from '../structured-output.js';

/** What response rendering needs besides the tool and the upstream answer. */
export interface ResponseInput {
  readonly ctx: CallContext;
  /** The call's processed args, offered as `.args` in strict mode (a superset of Higress, §8 quirk 4). */
  readonly args?: Readonly<Record<string, unknown>>;
}

/**
 * Turns the upstream answer into a tool result (higress-mcp.md §2.6): non-2xx → errorResponseTemplate
 * or `call failed, status: N, response: …`; `image/*` → image content; else the response template,
 * or prepend + raw body + append, or the raw body; "" → "success"; outputSchema → structuredContent.
 */
export function renderToolResponse(tool: CompiledTool, res: UpstreamResponse, input: ResponseInput): CallToolResult {
  const raw = res.body.toString('utf8');
  const json = parseJson(raw);
  if (res.status < 200 || res.status >= 300) return errorResult(tool, { res, raw, json }, input.ctx);
  const contentType = res.headers['content-type'] ?? '';
  if (contentType.startsWith('image/')) {
    return { content: [{ type: 'image', data: res.body.toString('base64'), mimeType: contentType }], isError: false };
  }
  let text: string;
  if (tool.responseBody !== undefined) {
    const data = input.args !== undefined && tool.responseReadsArgs ? withArgs(json, raw, input.args) : json.ok ? json.value : raw;
    const rendered = renderOr(tool.responseBody, 'response', { data, ctx: input.ctx });
    if (rendered.error !== undefined) return textError(rendered.error);
    text = rendered.text!;
  } else {
    text = `${tool.prependBody}${raw}${tool.appendBody}`;
  }
  return textResult(tool, text === '' ? 'success' : text, json);
}

/** A direct-response tool's result: its template rendered over `{config, args}`. */
export function renderDirectResponse(tool: CompiledTool, scope: RenderScope): CallToolResult {
  const rendered = renderOr(tool.responseBody!, 'response', scope);
  if (rendered.error !== undefined) return textError(rendered.error);
  // Higress sends the rendered text as is here, even when empty.
  return textResult(tool, rendered.text!, parseJson(rendered.text!));
}

/** An isError result with one text block. */
export function textError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function textResult(tool: CompiledTool, text: string, json: Parsed): CallToolResult {
  const result: CallToolResult = { content: [{ type: 'text', text }] };
  if (tool.outputSchema !== undefined && json.ok) result.structuredContent = structuredContentFor(json.value);
  return result;
}

/** A non-2xx upstream answer with its body read once: as text and, when it parses, as JSON. */
interface FailedAnswer {
  readonly res: UpstreamResponse;
  readonly raw: string;
  readonly json: Parsed;
}

function errorResult(tool: CompiledTool, answer: FailedAnswer, ctx: CallContext): CallToolResult {
  const { res, raw, json } = answer;
  if (tool.errorResponse !== undefined) {
    // `_headers` holds the response headers plus Envoy's `:status` pseudo-header (§2.6).
    const data = { ...(json.ok && isObject(json.value) ? json.value : {}), _headers: { ...res.headers, ':status': String(res.status) } };
    const rendered = renderOr(tool.errorResponse, 'error response', { data, ctx });
    if (rendered.error !== undefined) return textError(rendered.error);
    if (rendered.text !== '') return textError(rendered.text!);
  }
  return textError(`call failed, status: ${res.status}, response: ${raw}`);
}

function withArgs(json: Parsed, raw: string, args: Readonly<Record<string, unknown>>): unknown {
  if (!json.ok) return raw;
  // Only objects can carry `.args`, and the upstream's own `args` field wins over ours.
  return isObject(json.value) && !('args' in json.value) ? { ...json.value, args } : json.value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
