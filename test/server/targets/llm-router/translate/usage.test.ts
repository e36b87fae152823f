import { describe, expect, it } from 'vitest';
import {
  anthropicUsageToOpenAi,
  geminiUsageToOpenAi,
  normalizeOpenAiUsage,
  openAiUsageToAnthropic,
  type OpenAiUsage,
} from '../../../../../server/targets/llm-router/translate/index.js';

function invariant(u: OpenAiUsage): void {
  expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
  expect(u.prompt_tokens_details?.cached_tokens ?? 0).toBeLessThanOrEqual(u.prompt_tokens);
  expect(u.completion_tokens_details?.reasoning_tokens ?? 0).toBeLessThanOrEqual(u.completion_tokens);
}

describe('usage normalisation', () => {
  it.each([
    ['plain', { input_tokens: 10, output_tokens: 5 }, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }],
    [
      'cache read + write',
      { input_tokens: 3, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
      { prompt_tokens: 123, completion_tokens: 5, total_tokens: 128, prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 20 } },
    ],
    ['null cache fields', { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: null }, { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }],
    ['missing', undefined, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
  ])('Anthropic %s', (_n, input, expected) => {
    const out = anthropicUsageToOpenAi(input);
    expect(out).toEqual(expected);
    invariant(out);
  });

  it.each([
    [
      'thoughts and cache',
      { promptTokenCount: 100, candidatesTokenCount: 10, thoughtsTokenCount: 30, cachedContentTokenCount: 50, totalTokenCount: 140 },
      { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140, prompt_tokens_details: { cached_tokens: 50 }, completion_tokens_details: { reasoning_tokens: 30 } },
    ],
    ['prompt only', { promptTokenCount: 7, totalTokenCount: 7 }, { prompt_tokens: 7, completion_tokens: 0, total_tokens: 7 }],
    ['tool-use prompt tokens', { promptTokenCount: 7, toolUsePromptTokenCount: 3, candidatesTokenCount: 1 }, { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 }],
  ])('Gemini %s', (_n, input, expected) => {
    const out = geminiUsageToOpenAi(input);
    expect(out).toEqual(expected);
    invariant(out);
  });

  it.each([
    ['OpenAI with details', { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 12 } }, { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 12 } }],
    ['DeepSeek cache hit fields', { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_cache_hit_tokens: 16, prompt_cache_miss_tokens: 4 }, { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 16 } }],
    ['Moonshot top-level cached_tokens', { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10, cached_tokens: 4 }, { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10, prompt_tokens_details: { cached_tokens: 4 } }],
    ['inconsistent total is recomputed', { prompt_tokens: 9, completion_tokens: 1, total_tokens: 99 }, { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 }],
    ['missing total', { prompt_tokens: 2, completion_tokens: 3 }, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }],
    ['garbage numbers are zero', { prompt_tokens: 'x', completion_tokens: -4 }, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
  ])('OpenAI-compatible %s', (_n, input, expected) => {
    const out = normalizeOpenAiUsage(input)!;
    expect(out).toEqual(expected);
    invariant(out);
  });

  it.each([[null], ['usage'], [[1]]])('normalizeOpenAiUsage(%j) is null', (input) => {
    expect(normalizeOpenAiUsage(input)).toBeNull();
  });

  it('converts back to Anthropic semantics (input excludes cache) and round-trips', () => {
    const anth = { input_tokens: 3, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 };
    expect(openAiUsageToAnthropic(anthropicUsageToOpenAi(anth))).toEqual(anth);
    expect(openAiUsageToAnthropic(null)).toEqual({ input_tokens: 0, output_tokens: 0 });
  });
});
