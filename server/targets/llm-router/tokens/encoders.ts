/**
 * Lazily loaded js-tiktoken encoders. The rank tables are megabytes of JSON, so each loads on first use
 * (synchronously, through the package's CommonJS build) and is cached for the life of the process.
 */
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { Bpe } from './token-tally.js';

/** The BPE encodings used by current OpenAI model families. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

const require = createRequire(import.meta.url);
const cache = new Map<EncodingName, Bpe>();

/** Returns the cached encoder and pre-tokenizer pattern for `name`, loading them on first use. */
export function getBpe(name: EncodingName): Bpe {
  let bpe = cache.get(name);
  if (bpe === undefined) {
    const ranks = require(`js-tiktoken/ranks/${name}`) as TiktokenBPE;
    bpe = { encoder: new Tiktoken(ranks), pattern: ranks.pat_str };
    cache.set(name, bpe);
  }
  return bpe;
}

/** Returns the cached encoder for `name`, loading it on first use. */
export function getEncoder(name: EncodingName): Tiktoken {
  return getBpe(name).encoder;
}

/** Loads both encoders now, so the first request does not pay the ~0.5 s rank-table load. */
export function preloadEncoders(): void {
  getBpe('o200k_base');
  getBpe('cl100k_base');
}

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o1|o3|o4|codex)/;
const CL100K = /^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)/;

/** Picks the encoding for an OpenAI model name (a `provider/` prefix is ignored); null for other families. */
export function encodingForModel(model: string): EncodingName | null {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  if (O200K.test(name)) return 'o200k_base';
  if (CL100K.test(name)) return 'cl100k_base';
  return null;
}

/** Counts tokens in `text`; special-token markers in user text are counted as plain text, never thrown on. */
export function countTokens(encoder: Tiktoken, text: string): number {
  return encoder.encode(text, [], []).length;
}
