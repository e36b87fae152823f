import type { AnthropicStopReason } from './types/anthropic.js';
import type { OpenAiFinishReason } from './types/openai.js';

const ANTHROPIC_TO_OPENAI: Readonly<Record<string, OpenAiFinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // pause_turn means a server tool paused a long turn; OpenAI has no equivalent, and Portkey/Envoy both use stop.
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Maps an Anthropic `stop_reason` to an OpenAI `finish_reason` (unknown or null → `stop`). */
export function anthropicToOpenAiFinish(reason: string | null | undefined): OpenAiFinishReason {
  return (reason && ANTHROPIC_TO_OPENAI[reason]) || 'stop';
}

const OPENAI_TO_ANTHROPIC: Readonly<Record<string, AnthropicStopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** Maps an OpenAI `finish_reason` to an Anthropic `stop_reason` (unknown or null → `end_turn`). */
export function openAiToAnthropicStop(reason: string | null | undefined): AnthropicStopReason {
  return (reason && OPENAI_TO_ANTHROPIC[reason]) || 'end_turn';
}

const GEMINI_FILTERED = new Set(['SAFETY', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/**
 * Maps a Gemini `finishReason` to an OpenAI `finish_reason`. `STOP` with a function call is `tool_calls`
 * (Gemini has no separate reason for it); RECITATION/OTHER/MALFORMED_FUNCTION_CALL map to the standard `stop`.
 */
export function geminiToOpenAiFinish(reason: string, sawFunctionCall: boolean): OpenAiFinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (GEMINI_FILTERED.has(reason)) return 'content_filter';
  return sawFunctionCall ? 'tool_calls' : 'stop';
}
