/** Gemini generateContent response → OpenAI Chat Completions response (llm-gateway-peers §4.5). */
import type { GeminiResponse } from './types/gemini.js';
import type { OpenAiChatResponse, OpenAiChoice, OpenAiResponseMessage } from './types/openai.js';
import { geminiToOpenAiFinish } from './finish-reasons.js';
import { readGeminiParts } from './gemini-parts.js';
import { newId, nowSeconds } from './ids.js';
import { badUpstreamBody, isObject } from './translation-error.js';
import { geminiUsageToOpenAi } from './usage.js';

/** Options for {@link geminiToOpenAiResponse}. */
export interface GeminiToOpenAiResponseOptions {
  /** Model name to report (Gemini bodies carry only `modelVersion`). */
  model?: string;
}

/** Translates a response; a prompt blocked by safety becomes one `content_filter` choice. */
export function geminiToOpenAiResponse(
  res: GeminiResponse,
  options: GeminiToOpenAiResponseOptions = {},
): OpenAiChatResponse {
  if (!isObject(res)) throw badUpstreamBody('upstream Gemini response is not an object');
  const choices: OpenAiChoice[] = [];
  const candidates = Array.isArray(res.candidates) ? res.candidates : [];
  for (const [i, cand] of candidates.entries()) {
    const parts = readGeminiParts(cand.content?.parts);
    const message: OpenAiResponseMessage = { role: 'assistant', content: parts.text, refusal: null };
    if (parts.toolCalls !== null) message.tool_calls = parts.toolCalls;
    if (parts.reasoning !== null) message.reasoning_content = parts.reasoning;
    const finish = geminiToOpenAiFinish(cand.finishReason ?? 'STOP', parts.toolCalls !== null);
    choices.push({ index: cand.index ?? i, message, finish_reason: finish, logprobs: null });
  }
  if (choices.length === 0) {
    // No candidates means the prompt itself was blocked (promptFeedback.blockReason).
    const message: OpenAiResponseMessage = { role: 'assistant', content: null, refusal: null };
    choices.push({ index: 0, message, finish_reason: 'content_filter', logprobs: null });
  }
  return {
    id: res.responseId ?? newId('chatcmpl-'),
    object: 'chat.completion',
    created: nowSeconds(),
    model: options.model ?? res.modelVersion ?? '',
    choices,
    usage: geminiUsageToOpenAi(res.usageMetadata),
  };
}
