/** Anthropic Messages response → OpenAI Chat Completions response (llm-gateway-peers §4.2). */
import type { AnthropicResponse } from './types/anthropic.js';
import type { OpenAiChatResponse, OpenAiResponseMessage, OpenAiToolCall } from './types/openai.js';
import { anthropicToOpenAiFinish } from './finish-reasons.js';
import { newId, nowSeconds } from './ids.js';
import { badUpstreamBody, isRecord } from './translation-error.js';
import { anthropicUsageToOpenAi } from './usage.js';

/** Options for {@link anthropicToOpenAiResponse}. */
export interface AnthropicToOpenAiResponseOptions {
  /** Model name to report to the client (the name it asked for); defaults to the upstream's. */
  model?: string;
}

/** Translates a non-stream response; throws a 502 {@link TranslationError} for a body that is not a message. */
export function anthropicToOpenAiResponse(
  res: AnthropicResponse,
  options: AnthropicToOpenAiResponseOptions = {},
): OpenAiChatResponse {
  if (!isRecord(res) || !Array.isArray(res.content)) {
    throw badUpstreamBody('upstream Anthropic response has no content array');
  }
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: OpenAiToolCall[] = [];
  for (const block of res.content) {
    if (block.type === 'text') text = text === null ? block.text : text + block.text;
    else if (block.type === 'thinking') reasoning = reasoning === null ? block.thinking : reasoning + block.thinking;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
    // redacted_thinking is opaque ciphertext: nothing an OpenAI client can use.
  }
  const message: OpenAiResponseMessage = { role: 'assistant', content: text, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== null) message.reasoning_content = reasoning;
  return {
    id: typeof res.id === 'string' ? res.id : newId('chatcmpl-'),
    object: 'chat.completion',
    created: nowSeconds(),
    model: options.model ?? res.model,
    choices: [{ index: 0, message, finish_reason: anthropicToOpenAiFinish(res.stop_reason), logprobs: null }],
    usage: anthropicUsageToOpenAi(res.usage),
  };
}
