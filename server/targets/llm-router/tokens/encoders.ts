/**
 * Lazily loaded js-tiktoken encoders. The rank tables are megabytes of JSON and take seconds of CPU to turn into
 * maps, so a running gateway loads them with {@link loadEncoders} (file read off the loop, maps filled a slice
 * at a time between turns of the event loop) before the snapshot that needs them swaps in. The synchronous
 * {@link getBpe} path is for the first snapshot at startup, before the gateway listens. Cached for the life of
 * the process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
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

const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/** Loads both encoders now (synchronously), so the first request does not pay the rank-table load. */
export function preloadEncoders(): void {
  for (const name of ENCODINGS) getBpe(name);
}

/** Whether both encoders are loaded. */
export function encodersReady(): boolean {
  return ENCODINGS.every((name) => cache.has(name));
}

let loading: Promise<void> | undefined;

/** Loads both encoders without holding the event loop for more than a few ms at a time (one load at once). */
export function loadEncoders(): Promise<void> {
  loading ??= (async () => {
    for (const name of ENCODINGS) if (!cache.has(name)) cache.set(name, await loadBpeSliced(name));
  })().finally(() => {
    loading = undefined;
  });
  return loading;
}

/** Longest run of rank-table work between two turns of the event loop, ms. */
const SLICE_MS = 5;

/**
 * Builds the encoder as js-tiktoken's constructor does (`bpe_ranks` lines of `<prefix> <first rank> <base64
 * token>...`; today one line of 200,000 tokens), but fills its rank map a slice at a time, scanning the text in
 * place. Only the rank map is filled: encoding needs nothing else (the text map serves `decode`, which token
 * estimation never calls), and half the allocations means half the garbage-collector pauses on the loop.
 * The ranks module is `module.exports = {JSON}`.
 */
async function loadBpeSliced(name: EncodingName): Promise<Bpe> {
  const source = await readFile(require.resolve(`js-tiktoken/ranks/${name}`), 'utf8');
  const ranks = JSON.parse(source.slice(source.indexOf('{'), source.lastIndexOf('}') + 1)) as TiktokenBPE;
  const encoder = new Tiktoken({ ...ranks, bpe_ranks: '' });
  const { rankMap } = encoder as unknown as { rankMap: Map<string, number> };
  for (const line of ranks.bpe_ranks.split('\n')) if (line) await addRankLine(line, rankMap);
  return { encoder, pattern: ranks.pat_str };
}

async function addRankLine(line: string, rankMap: Map<string, number>): Promise<void> {
  const first = line.indexOf(' ');
  const second = line.indexOf(' ', first + 1);
  let rank = Number.parseInt(line.slice(first + 1, second < 0 ? undefined : second), 10);
  let sliceStart = performance.now();
  for (let at = second; at >= 0; rank++) {
    const next = line.indexOf(' ', at + 1);
    rankMap.set(Buffer.from(line.slice(at + 1, next < 0 ? undefined : next), 'base64').join(','), rank);
    at = next;
    if ((rank & 127) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
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
