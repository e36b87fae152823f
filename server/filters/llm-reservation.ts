/**
 * What an LLM call reserves before it runs and what it is settled to after: shared by the per-minute token limit
 * (llm-limits) and the budgets (llm-budget), so both count a call the same way.
 */
import type { LlmRequest } from '../targets/llm-router/router/index.js';
import { estimatePromptTokens } from '../targets/llm-router/tokens/index.js';

const promptEstimates = new WeakMap<LlmRequest, number>();

/**
 * The request's prompt tokens as estimated once (exact BPE up to a CPU budget of a few ms): the token limit and the
 * budget both reserve them, and a route with both must not tokenize the same body twice.
 */
export function promptEstimate(llm: LlmRequest): number {
  let n = promptEstimates.get(llm);
  if (n === undefined) {
    n = estimatePromptTokens(llm.body, llm.model);
    promptEstimates.set(llm, n);
  }
  return n;
}

/** The completion tokens a request may generate: its own cap, else the route's default (none for embeddings). */
export function completionReserve(llm: LlmRequest, fallback: number): number {
  if (llm.api === 'embeddings') return 0;
  const b = llm.body;
  for (const field of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const v = b[field];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.ceil(v);
  }
  return fallback;
}

/** Tokens a finished call used: real usage when reported; else the prompt estimate and ~4 characters per generated token. */
export interface SpentTokens {
  readonly prompt: number;
  readonly completion: number;
}

/** What the call spent; nothing when no answer byte came and it failed (or never ran). */
export function spentTokens(llm: LlmRequest, prompt: number, status: number | undefined): SpentTokens {
  const r = llm.result;
  if (r.usage) return { prompt: r.usage.prompt_tokens, completion: r.usage.total_tokens - r.usage.prompt_tokens };
  if (r.outputChars === 0 && (status === undefined || status >= 400)) return { prompt: 0, completion: 0 };
  return { prompt, completion: Math.ceil(r.outputChars / 4) };
}
