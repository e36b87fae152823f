import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CompiledTool } from '../config/types.js';
import type { CallContext } from '../request/call-context.js';
import { renderOr, type RenderScope } from '../request/render.js';
import { parseJsonData, TemplateExecError, withMember, type JsonDataResult } from '../template/index.js';
import type { UpstreamResponse } from '../upstream/send.js';
import { isObject, structuredContentFor } from '../structured-output.js';

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
 * Templates read the body as gjson_template does: raw JSON whose values keep their text, and a body
 * that is not a JSON object or array fails the template (template/json-data.ts).
 */
export function renderToolResponse(tool: CompiledTool, res: UpstreamResponse, input: ResponseInput): CallToolResult {
  const raw = res.body.toString('utf8');
  if (res.status < 200 || res.status >= 300) return errorResult(tool, { res, raw }, input.ctx);
  const contentType = res.headers['content-type'] ?? '';
  if (contentType.startsWith('image/')) {
    return { content: [{ type: 'image', data: res.body.toString('base64'), mimeType: contentType }], isError: false };
  }
  let text: string;
  if (tool.responseBody !== undefined) {
    const body = parseJsonData(raw);
    if (!body.ok) return textError(`error executing response template: ${new TemplateExecError(tool.responseBody.name, null, body.error).message}`);
    const data = input.args !== undefined && tool.responseReadsArgs ? withArgs(body.value, input.args) : body.value;
    const rendered = renderOr(tool.responseBody, 'response', { data, ctx: input.ctx });
    if (rendered.error !== undefined) return textError(rendered.error);
    text = rendered.text!;
  } else {
    text = `${tool.prependBody}${raw}${tool.appendBody}`;
  }
  return textResult(tool, text === '' ? 'success' : text, raw);
}

/** A direct-response tool's result: its template rendered over `{config, args}`. */
export function renderDirectResponse(tool: CompiledTool, scope: RenderScope): CallToolResult {
  const rendered = renderOr(tool.responseBody!, 'response', scope);
  if (rendered.error !== undefined) return textError(rendered.error);
  // Higress sends the rendered text as is here, even when empty.
  return textResult(tool, rendered.text!, rendered.text!);
}

/** An isError result with one text block. */
export function textError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function textResult(tool: CompiledTool, text: string, json: string): CallToolResult {
  const result: CallToolResult = { content: [{ type: 'text', text }] };
  if (tool.outputSchema === undefined) return result;
  // Parsed only here, strictly (Higress checks json.Valid), because only this needs a JS value. MCP requires an
  // object: a non-object answer goes under `result` (structured-output.ts).
  try {
    result.structuredContent = structuredContentFor(JSON.parse(json) as unknown);
  } catch {
    // not JSON: no structured content, as in Higress
  }
  return result;
}

/** A non-2xx upstream answer with its body read once as text. */
interface FailedAnswer {
  readonly res: UpstreamResponse;
  readonly raw: string;
}

function errorResult(tool: CompiledTool, answer: FailedAnswer, ctx: CallContext): CallToolResult {
  const { res, raw } = answer;
  if (tool.errorResponse !== undefined) {
    // `_headers` holds the response headers plus Envoy's `:status` pseudo-header (§2.6); sjson
    // appends it to the body's object, so it comes last.
    const body: JsonDataResult = parseJsonData(raw);
    const headers = { ...res.headers, ':status': String(res.status) };
    const data = withMember(body.ok && isObject(body.value) ? body.value : {}, '_headers', headers);
    const rendered = renderOr(tool.errorResponse, 'error response', { data, ctx });
    if (rendered.error !== undefined) return textError(rendered.error);
    if (rendered.text !== '') return textError(rendered.text!);
  }
  return textError(`call failed, status: ${res.status}, response: ${raw}`);
}

function withArgs(body: unknown, args: Readonly<Record<string, unknown>>): unknown {
  // Only objects can carry `.args`, and the upstream's own `args` field wins over ours.
  return isObject(body) && !Object.hasOwn(body, 'args') ? withMember(body, 'args', args) : body;
}
