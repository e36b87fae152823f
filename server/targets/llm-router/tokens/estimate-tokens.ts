/**
 * Prompt-token estimate used to reserve a token budget before an upstream call (llm-gateway-peers §5); the
 * reservation is settled to reported usage after the call. The estimate must not be steerable low:
 * - OpenAI model families: BPE with the model's own encoding, bounded in CPU (token-tally.ts); never below the
 *   exact count of the text fields.
 * - Other families: UTF-8 bytes / 4. Their tokenizers (byte-level BPE, SentencePiece with byte fallback) spend
 *   at least one byte per token, so the real count is at most 4× this estimate.
 */
import { encodingForModel, getBpe } from './encoders.js';
import { collectPromptText } from './prompt-text.js';
import { TokenTally } from './token-tally.js';

/** Framing tokens per message and for the reply primer, from OpenAI's counting recipe. */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMER = 3;
/** Flat charge per image: a 512px high-detail tile set on OpenAI; close enough for a reservation. */
const TOKENS_PER_IMAGE = 765;
/** Bytes per token assumed for model families whose tokenizer the gateway does not have. */
const BYTES_PER_TOKEN = 4;

/** Estimates prompt tokens for a chat, messages, responses or embeddings request body sent to `model`. */
export function estimatePromptTokens(request: unknown, model: string): number {
  const prompt = collectPromptText(request);
  const encoding = encodingForModel(model);
  const tally = new TokenTally(encoding ? getBpe(encoding) : null);
  for (const text of prompt.texts) tally.add(text);
  const textTokens = encoding ? tally.tokens : Math.ceil(tally.bytes / BYTES_PER_TOKEN);
  const framing = prompt.messages > 0 ? prompt.messages * TOKENS_PER_MESSAGE + REPLY_PRIMER : 0;
  return textTokens + framing + prompt.images * TOKENS_PER_IMAGE + prompt.mediaTokens + prompt.tokenIds;
}
