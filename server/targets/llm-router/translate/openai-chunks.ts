/** Builders for the OpenAI chunk objects both OpenAI-producing stream translators emit. */
import type { OpenAiChunk, OpenAiDelta, OpenAiFinishReason, OpenAiUsage } from './types/openai.js';

/** Fields shared by every chunk of one response. */
export interface ChunkHeader {
  id: string;
  created: number;
  model: string;
}

/** One-choice chunk; `usage: null` is present only when the client asked for usage (OpenAI's rule). */
export function choiceChunk(
  header: ChunkHeader,
  choice: { index: number; delta: OpenAiDelta; finish: OpenAiFinishReason | null },
  includeUsage: boolean,
): OpenAiChunk {
  const chunk: OpenAiChunk = {
    id: header.id,
    object: 'chat.completion.chunk',
    created: header.created,
    model: header.model,
    choices: [{ index: choice.index, delta: choice.delta, finish_reason: choice.finish, logprobs: null }],
  };
  if (includeUsage) chunk.usage = null;
  return chunk;
}

/** The final, choice-less usage chunk of an `include_usage` stream. */
export function usageChunk(header: ChunkHeader, usage: OpenAiUsage): OpenAiChunk {
  return { id: header.id, object: 'chat.completion.chunk', created: header.created, model: header.model, choices: [], usage };
}
