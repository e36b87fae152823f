/** Reads a whole (non-stream) upstream answer, translates it to the client's API and writes it. */
import {
  anthropicToOpenAiResponse,
  anthropicUsageToOpenAi,
  geminiToOpenAiResponse,
  normalizeOpenAiUsage,
  openAiToAnthropicResponse,
  TranslationError,
  type AnthropicResponse,
  type GeminiResponse,
  type OpenAiChatResponse,
  type OpenAiUsage,
} from '../translate/index.js';
import { gatewayError } from '../../../errors/index.js';
import { responsesUsage } from './stream-passthrough.js';
import type { PreparedCall } from './prepare-call.js';
import type { LlmContext } from './types.js';
import type { UpstreamExchange } from '../../upstream-exchange.js';

/** The translated body and usage, or a reason to try elsewhere (the client has seen nothing yet). */
export type JsonOutcome = { ok: true; body: unknown; usage: OpenAiUsage | null } | { ok: false; error: Error };

/** Reads and translates the body; the caller writes it (nothing is sent from here, so retry stays possible). */
export async function readJson(ctx: LlmContext, call: PreparedCall, upstream: UpstreamExchange): Promise<JsonOutcome> {
  let text: string;
  try {
    text = await readText(upstream, { provider: call.provider.name, maxBytes: call.provider.maxResponseBytes });
  } catch (err) {
    return { ok: false, error: err as Error };
  } finally {
    upstream.release();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: new TranslationError('upstream sent a body that is not JSON', { status: 502, code: 'bad_upstream_response' }) };
  }
  try {
    return { ok: true, ...translateJson(ctx, call, json) };
  } catch (err) {
    return { ok: false, error: err as Error };
  }
}

/**
 * The whole body as UTF-8 text, up to `maxBytes`: a larger answer is cut off as soon as it passes the cap (the
 * upstream is aborted), so one provider cannot make the gateway buffer hundreds of megabytes. Rejects if the
 * exchange fails first (reset, timeout, client gone).
 */
function readText(upstream: UpstreamExchange, limits: { provider: string; maxBytes: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    upstream.consume({
      data(chunk) {
        size += chunk.length;
        if (size <= limits.maxBytes) return void chunks.push(chunk);
        chunks.length = 0;
        const error = gatewayError('GW_ERR_LLM_RESPONSE_TOO_LARGE', limits.provider, limits.maxBytes);
        reject(error);
        upstream.abort(error);
      },
      end: () => resolve(Buffer.concat(chunks).toString('utf8')),
      error: reject,
    });
  });
}

function translateJson(ctx: LlmContext, call: PreparedCall, json: unknown): { body: unknown; usage: OpenAiUsage | null } {
  const model = ctx.llm.model;
  const raw = json as Record<string, unknown>;
  if (call.mode === 'passthrough') {
    const usage = ctx.llm.api === 'responses' ? responsesUsage(raw.usage as Record<string, unknown>) : normalizeOpenAiUsage(raw.usage);
    return { body: json, usage };
  }
  if (ctx.llm.protocol === 'anthropic' && call.mode === 'anthropic') {
    return { body: json, usage: anthropicUsageToOpenAi((json as AnthropicResponse).usage) };
  }
  let openai: OpenAiChatResponse;
  if (call.mode === 'anthropic') openai = anthropicToOpenAiResponse(json as AnthropicResponse, { model });
  else if (call.mode === 'gemini') openai = geminiToOpenAiResponse(json as GeminiResponse, { model });
  else openai = json as OpenAiChatResponse;
  const usage = call.mode === 'openai' ? normalizeOpenAiUsage(raw.usage) : (openai.usage ?? null);
  if (ctx.llm.protocol === 'openai') return { body: openai, usage };
  return { body: openAiToAnthropicResponse(openai, { model, toolNames: call.toolNames }), usage };
}

/** Writes a JSON answer with the request id. */
export function writeJson(ctx: LlmContext, status: number, body: unknown): void {
  const res = ctx.http!.res;
  const text = JSON.stringify(body);
  ctx.outcome.bytesOut = Buffer.byteLength(text);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': ctx.requestId,
  });
  res.end(text);
}
