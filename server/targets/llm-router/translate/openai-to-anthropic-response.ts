/** OpenAI Chat response → Anthropic Messages response, for clients that called `/v1/messages`. */
import type { AnthropicResponse, AnthropicResponseBlock } from './types/anthropic.js';
import type { OpenAiChatResponse } from './types/openai.js';
import { openAiToAnthropicStop } from './finish-reasons.js';
import { newId } from './ids.js';
import { restoreToolName, type ToolNameMap } from './tool-names.js';
import { badUpstreamBody, isRecord } from './translation-error.js';
import { normalizeOpenAiUsage, openAiUsageToAnthropic } from './usage.js';

/** Options for {@link openAiToAnthropicResponse}. */
export interface OpenAiToAnthropicResponseOptions {
  /** Model name to report; defaults to the upstream's. */
  model?: string;
  /** From {@link anthropicToOpenAiRequest}: restores tool names shortened for the upstream. */
  toolNames?: ToolNameMap;
}

function parseInput(raw: unknown, name: string): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  try {
    const parsed: unknown = JSON.parse(String(raw));
    if (isRecord(parsed)) return parsed;
  } catch {
    // fall through to the error below
  }
  throw badUpstreamBody(`upstream returned invalid JSON arguments for tool '${name}'`);
}

/** Translates a non-stream response (first choice); throws a 502 {@link TranslationError} for a malformed body. */
export function openAiToAnthropicResponse(
  res: OpenAiChatResponse,
  options: OpenAiToAnthropicResponseOptions = {},
): AnthropicResponse {
  const choice = isRecord(res) && Array.isArray(res.choices) ? res.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) throw badUpstreamBody('upstream OpenAI response has no choices');
  const msg = choice.message;
  const content: AnthropicResponseBlock[] = [];
  // Thinking comes first in Anthropic responses, as it does in generation order.
  if (typeof msg.reasoning_content === 'string' && msg.reasoning_content !== '') {
    content.push({ type: 'thinking', thinking: msg.reasoning_content, signature: '' });
  }
  if (typeof msg.content === 'string' && msg.content !== '') content.push({ type: 'text', text: msg.content });
  for (const call of msg.tool_calls ?? []) {
    const name = restoreToolName(options.toolNames, call.function.name);
    content.push({ type: 'tool_use', id: call.id, name, input: parseInput(call.function.arguments, name) });
  }
  return {
    id: newId('msg_'),
    type: 'message',
    role: 'assistant',
    model: options.model ?? res.model,
    content,
    stop_reason: openAiToAnthropicStop(choice.finish_reason),
    stop_sequence: null,
    usage: openAiUsageToAnthropic(normalizeOpenAiUsage(res.usage)),
  };
}
