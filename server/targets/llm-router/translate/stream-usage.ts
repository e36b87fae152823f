/**
 * `stream_options.include_usage`: the gateway always asks upstream for usage (it needs it for accounting and
 * token limits) and hides the usage chunk from clients that did not ask (llm-gateway-peers §5).
 */
import type { OpenAiChatRequest, OpenAiChunk } from './types/openai.js';
import { isRecord } from './translation-error.js';

/** The request to send upstream and whether the client itself asked for usage. */
export interface IncludeUsageResult {
  request: OpenAiChatRequest;
  clientWantsUsage: boolean;
}

/** Returns a copy of a streaming request with `include_usage` forced on; non-stream requests pass unchanged. */
export function withIncludeUsage(req: OpenAiChatRequest): IncludeUsageResult {
  const clientWantsUsage = isRecord(req.stream_options) && req.stream_options.include_usage === true;
  if (req.stream !== true || clientWantsUsage) return { request: req, clientWantsUsage };
  const options = { ...(isRecord(req.stream_options) ? req.stream_options : {}), include_usage: true };
  return { request: { ...req, stream_options: options }, clientWantsUsage };
}

/**
 * Filters one parsed chunk for a client that did not ask for usage: drops the `choices: []` usage chunk
 * (returns null) and removes the `usage` field from others, in place. Read `chunk.usage` before calling.
 */
export function stripUsageChunk(chunk: OpenAiChunk): OpenAiChunk | null {
  if (!('usage' in chunk)) return chunk;
  if (Array.isArray(chunk.choices) && chunk.choices.length === 0) return null;
  delete chunk.usage;
  return chunk;
}

/**
 * The same filter on raw SSE `data` text, for pass-through streams: chunks without a `"usage"` key (almost
 * all of them) are returned untouched without a JSON round trip. Returns null when the event must be dropped.
 */
export function stripUsageData(data: string): string | null {
  if (!data.includes('"usage"')) return data;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return data;
  }
  if (!isRecord(chunk)) return data;
  const kept = stripUsageChunk(chunk as unknown as OpenAiChunk);
  return kept === null ? null : JSON.stringify(kept);
}
