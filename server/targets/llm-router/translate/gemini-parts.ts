/** Gemini candidate parts → the pieces of an OpenAI message or delta. */
import type { GeminiPart } from './types/gemini.js';
import type { OpenAiToolCall } from './types/openai.js';
import { newId } from './ids.js';

/** Text, reasoning and tool calls read from one candidate's parts. */
export interface GeminiPartsSummary {
  text: string | null;
  reasoning: string | null;
  toolCalls: OpenAiToolCall[] | null;
}

/** Splits parts into answer text, thought text and function calls (with ids minted when Gemini gives none). */
export function readGeminiParts(parts: GeminiPart[] | undefined): GeminiPartsSummary {
  const out: GeminiPartsSummary = { text: null, reasoning: null, toolCalls: null };
  if (!Array.isArray(parts)) return out;
  for (const part of parts) {
    if (part.functionCall !== undefined) {
      const call: OpenAiToolCall = {
        id: part.functionCall.id ?? newId('call_'),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      };
      if (part.thoughtSignature !== undefined) {
        call.extra_content = { google: { thought_signature: part.thoughtSignature } };
      }
      (out.toolCalls ??= []).push(call);
    } else if (typeof part.text === 'string') {
      if (part.thought === true) out.reasoning = (out.reasoning ?? '') + part.text;
      else out.text = (out.text ?? '') + part.text;
    }
  }
  return out;
}
