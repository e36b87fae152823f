/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chunk stream (llm-gateway-peers §4.5). Each Gemini event is
 * a whole GenerateContentResponse with incremental text; function calls arrive whole. Gemini has no terminal
 * event, so `end()` at upstream EOF decides: every candidate finished → usage chunk + `done()`, else `error()`.
 */
import type { GeminiResponse, GeminiUsageMetadata } from './types/gemini.js';
import type {
  OpenAiDelta,
  OpenAiFinishReason,
  OpenAiUsage,
} from './types/openai.js';
import { geminiToOpenAiFinish } from './finish-reasons.js';
import { readGeminiParts } from './gemini-parts.js';
import { newId } from './ids.js';
import { parseProviderError, streamTruncatedError, toOpenAiError } from './provider-errors.js';
import { choiceChunk } from './openai-chunks.js';
import { OpenAiChunkStream, type OpenAiChunkStreamOptions } from './openai-chunk-stream.js';
import { isObject } from './translation-error.js';
import { geminiUsageToOpenAi } from './usage.js';

/** Options for {@link GeminiToOpenAiStream}. */
export type GeminiToOpenAiStreamOptions = OpenAiChunkStreamOptions;

interface ChoiceState {
  toolCount: number;
  sawCall: boolean;
  finished: boolean;
}

/** Stateful per-response translator: `push()` each parsed SSE event, then `end()` at upstream EOF. */
export class GeminiToOpenAiStream extends OpenAiChunkStream<GeminiResponse & { error?: unknown }> {
  private started = false;
  private readonly choices: ChoiceState[] = [];
  // usageMetadata repeats, cumulatively, on many events; only the last one counts.
  private meta: GeminiUsageMetadata | undefined;

  /** Usage so far in the OpenAI convention. */
  get usage(): OpenAiUsage {
    return geminiUsageToOpenAi(this.meta);
  }

  protected handle(data: GeminiResponse & { error?: unknown }): void {
    if (!isObject(data)) return;
    if (data.error !== undefined) {
      this.fail(toOpenAiError(parseProviderError(data)));
      return;
    }
    if (!this.started) {
      this.started = true;
      this.header.id = data.responseId ?? newId('chatcmpl-');
      if (this.header.model === '') this.header.model = data.modelVersion ?? '';
    }
    if (isObject(data.usageMetadata)) this.meta = data.usageMetadata;
    const candidates = Array.isArray(data.candidates) ? data.candidates : [];
    if (candidates.length === 0 && data.promptFeedback?.blockReason !== undefined) {
      const state = this.choice(0);
      if (!state.finished) this.finishChoice(0, state, 'content_filter');
    }
    for (const [i, cand] of candidates.entries()) this.candidate(cand.index ?? i, cand);
  }

  /** Upstream EOF: clean only if every candidate reported a finishReason. */
  end(): void {
    if (this.closed) return;
    if (this.choices.length === 0 || this.choices.some((c) => c === undefined || !c.finished)) {
      this.fail(toOpenAiError(streamTruncatedError('a candidate never reported finishReason')));
      return;
    }
    this.complete();
  }

  private candidate(index: number, cand: NonNullable<GeminiResponse['candidates']>[number]): void {
    const state = this.choice(index);
    if (state.finished) return;
    const parts = readGeminiParts(cand.content?.parts);
    let delta: OpenAiDelta | null = null;
    if (parts.reasoning !== null) (delta ??= {}).reasoning_content = parts.reasoning;
    if (parts.text !== null) (delta ??= {}).content = parts.text;
    if (parts.toolCalls !== null) {
      state.sawCall = true;
      // Gemini sends each call whole, so its one delta carries id, name and the full arguments.
      (delta ??= {}).tool_calls = parts.toolCalls.map((call) => ({ index: state.toolCount++, ...call }));
    }
    if (delta !== null) this.write(index, delta, null);
    if (typeof cand.finishReason === 'string') {
      this.finishChoice(index, state, geminiToOpenAiFinish(cand.finishReason, state.sawCall));
    }
  }

  private choice(index: number): ChoiceState {
    let state = this.choices[index];
    if (state === undefined) {
      state = { toolCount: 0, sawCall: false, finished: false };
      this.choices[index] = state;
      this.write(index, { role: 'assistant', content: '' }, null);
    }
    return state;
  }

  private finishChoice(index: number, state: ChoiceState, reason: OpenAiFinishReason): void {
    state.finished = true;
    this.write(index, {}, reason);
  }

  private write(index: number, delta: OpenAiDelta, finish: OpenAiFinishReason | null): void {
    this.sink.data(choiceChunk(this.header, { index, delta, finish }, this.includeUsage));
  }
}
