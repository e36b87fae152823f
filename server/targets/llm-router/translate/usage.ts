/**
 * Usage normalisation to the OpenAI convention (llm-gateway-peers §4): `prompt_tokens` includes cached tokens,
 * `completion_tokens` includes reasoning, and `total_tokens = prompt_tokens + completion_tokens` always.
 */
import type { AnthropicUsage } from './types/anthropic.js';
import type { GeminiUsageMetadata } from './types/gemini.js';
import type { OpenAiUsage } from './types/openai.js';
import { isRecord } from './translation-error.js';

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** Builds an OpenAI usage object from its parts, adding details only when non-zero. */
function makeUsage(parts: {
  prompt: number;
  completion: number;
  cached?: number;
  cacheCreation?: number;
  reasoning?: number;
}): OpenAiUsage {
  const usage: OpenAiUsage = {
    prompt_tokens: parts.prompt,
    completion_tokens: parts.completion,
    total_tokens: parts.prompt + parts.completion,
  };
  const cached = parts.cached ?? 0;
  const creation = parts.cacheCreation ?? 0;
  if (cached > 0 || creation > 0) {
    usage.prompt_tokens_details = { cached_tokens: cached };
    if (creation > 0) usage.prompt_tokens_details.cache_creation_tokens = creation;
  }
  if ((parts.reasoning ?? 0) > 0) usage.completion_tokens_details = { reasoning_tokens: parts.reasoning };
  return usage;
}

/** Anthropic usage → OpenAI: cache reads and writes join `prompt_tokens` (Anthropic reports them apart). */
export function anthropicUsageToOpenAi(usage: Partial<AnthropicUsage> | undefined): OpenAiUsage {
  const cached = num(usage?.cache_read_input_tokens);
  const creation = num(usage?.cache_creation_input_tokens);
  return makeUsage({
    prompt: num(usage?.input_tokens) + cached + creation,
    completion: num(usage?.output_tokens),
    cached,
    cacheCreation: creation,
  });
}

/** Gemini usage → OpenAI: thoughts join `completion_tokens`; the prompt count already includes the cache. */
export function geminiUsageToOpenAi(meta: GeminiUsageMetadata | undefined): OpenAiUsage {
  const thoughts = num(meta?.thoughtsTokenCount);
  return makeUsage({
    prompt: num(meta?.promptTokenCount) + num(meta?.toolUsePromptTokenCount),
    completion: num(meta?.candidatesTokenCount) + thoughts,
    cached: num(meta?.cachedContentTokenCount),
    reasoning: thoughts,
  });
}

/**
 * Normalises usage from an OpenAI-compatible provider: DeepSeek's `prompt_cache_hit_tokens`, Moonshot's
 * top-level `cached_tokens`, missing or inconsistent totals. Returns null when the input is not usage at all.
 */
export function normalizeOpenAiUsage(raw: unknown): OpenAiUsage | null {
  if (!isRecord(raw)) return null;
  const details = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : {};
  const outDetails = isRecord(raw.completion_tokens_details) ? raw.completion_tokens_details : {};
  return makeUsage({
    prompt: num(raw.prompt_tokens),
    completion: num(raw.completion_tokens),
    cached: num(details.cached_tokens) || num(raw.prompt_cache_hit_tokens) || num(raw.cached_tokens),
    cacheCreation: num(details.cache_creation_tokens),
    reasoning: num(outDetails.reasoning_tokens),
  });
}

/** OpenAI usage → Anthropic: `input_tokens` excludes cache reads and writes, which get their own fields. */
export function openAiUsageToAnthropic(usage: OpenAiUsage | null | undefined): AnthropicUsage {
  const cached = num(usage?.prompt_tokens_details?.cached_tokens);
  const creation = num(usage?.prompt_tokens_details?.cache_creation_tokens);
  const out: AnthropicUsage = {
    input_tokens: Math.max(0, num(usage?.prompt_tokens) - cached - creation),
    output_tokens: num(usage?.completion_tokens),
  };
  if (cached > 0) out.cache_read_input_tokens = cached;
  if (creation > 0) out.cache_creation_input_tokens = creation;
  return out;
}
