/**
 * Prompt-token estimate used to reserve a token budget before an upstream call (llm-gateway-peers §5):
 * real BPE for OpenAI model families, characters/4 for everything else. Reconcile with reported usage after.
 */
import { countTokens, encodingForModel, getEncoder } from './encoders.js';
import { collectPromptText } from './prompt-text.js';

/** Framing tokens per message and for the reply primer, from OpenAI's counting recipe. */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMER = 3;
/** Flat charge per image: a 512px high-detail tile set on OpenAI; close enough for a reservation. */
const TOKENS_PER_IMAGE = 765;
/**
 * BPE in pure JS costs about 0.2 ms per 1000 characters (more on a busy core), so a prompt longer than this is
 * estimated from SAMPLES slices spread over it (start, middle, end: prompts are rarely uniform) and scaled up.
 */
const EXACT_CHARS = 4_096;
const SAMPLES = 4;
const SAMPLE_CHARS = 1_024;

function bpeCount(text: string, model: string): number | null {
  const encoding = encodingForModel(model);
  if (encoding === null) return null;
  const encoder = getEncoder(encoding);
  if (text.length <= EXACT_CHARS) return countTokens(encoder, text);
  const step = (text.length - SAMPLE_CHARS) / (SAMPLES - 1);
  let sampled = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const start = Math.round(i * step);
    sampled += countTokens(encoder, text.slice(start, start + SAMPLE_CHARS));
  }
  return Math.ceil((sampled * text.length) / (SAMPLES * SAMPLE_CHARS));
}

/** Estimates prompt tokens for a chat, messages or embeddings request body sent to `model`. */
export function estimatePromptTokens(request: unknown, model: string): number {
  const prompt = collectPromptText(request);
  const textTokens = bpeCount(prompt.text, model) ?? Math.ceil(prompt.text.length / 4);
  const framing = prompt.messages > 0 ? prompt.messages * TOKENS_PER_MESSAGE + REPLY_PRIMER : 0;
  return textTokens + framing + prompt.images * TOKENS_PER_IMAGE;
}
