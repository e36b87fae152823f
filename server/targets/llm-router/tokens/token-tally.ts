/**
 * Token counting with bounded CPU. js-tiktoken's merge loop is quadratic in the length of one pre-token, and a
 * run of random CJK ideographs is a single pre-token: 24 KB of it cost 10-17 s of synchronous CPU. So BPE runs
 * only on pre-tokens of at most MAX_PIECE_BYTES and only until the request's time budget is spent; all other
 * text counts one token per UTF-8 byte. Every token of a byte-level BPE covers at least one byte, so for the
 * model's own encoding the tally never falls below the exact count (it is exact where BPE ran).
 */
import type { Tiktoken } from 'js-tiktoken/lite';

/** An encoder and its pre-tokenizer pattern (`pat_str` of the rank file). */
export interface Bpe {
  readonly encoder: Tiktoken;
  readonly pattern: string;
}

/**
 * BPE work a request may spend, in units of about 1 µs on an idle core: a pre-token of b bytes costs 1 + b²/16
 * (js-tiktoken's merge loop is quadratic), an encode call COST_PER_CALL. About 5 ms, or ~10 KB of English.
 */
const BUDGET = 5_000;
const COST_PER_CALL = 10;
/** Longest pre-token given to BPE (~600 units). */
const MAX_PIECE_BYTES = 96;
/** Work per BPE call before the budget is checked again; bounds the overshoot. */
const SEGMENT_COST = 1_000;
/** Strings up to this many UTF-16 units go to BPE whole (≤ 48 bytes, so no pre-token can be long). */
const SHORT_CHARS = 16;
/** Only this much of a string is split into pre-tokens; the rest counts by bytes. */
const SCAN_CHARS = 64 * 1024;
/** UTF-16 units per request whose UTF-8 length is measured; beyond, each unit counts 3 bytes (its maximum). */
const BYTE_SCAN_CHARS = 512 * 1024;

/**
 * Accumulates a request's countable text. With a BPE (OpenAI model families) `tokens` is an upper bound of the
 * exact count; without one only `bytes` is kept (the caller turns it into an estimate).
 */
export class TokenTally {
  /** BPE tokens, with unencoded text counted one token per byte. */
  tokens = 0;
  /** UTF-8 bytes of the text that was not given to BPE (all of it without one); an upper bound, see BYTE_SCAN_CHARS. */
  bytes = 0;
  private budget: number;
  private byteScanLeft = BYTE_SCAN_CHARS;
  private readonly splitter: RegExp | undefined;

  constructor(private readonly bpe: Bpe | null, budget = BUDGET) {
    this.budget = budget;
    this.splitter = bpe ? new RegExp(bpe.pattern, 'gu') : undefined;
  }

  /** Adds one field's text; fields are counted separately, as the model's chat template keeps them apart. */
  add(text: string): void {
    if (text.length === 0) return;
    if (!this.bpe || this.budget <= 0) return this.addBytes(text);
    if (text.length <= SHORT_CHARS) {
      this.budget -= COST_PER_CALL + 1 + (3 * text.length) ** 2 / 16;
      this.tokens += this.encode(text);
    } else this.scan(text);
  }

  /** Splits `text` like the encoder does and gives BPE the runs of short pre-tokens while the budget lasts. */
  private scan(text: string): void {
    const truncated = text.length > SCAN_CHARS;
    const window = truncated ? text.slice(0, SCAN_CHARS) : text;
    const re = this.splitter!;
    re.lastIndex = 0;
    let segStart = 0;
    let segEnd = 0;
    let segCost = 0;
    for (let m = re.exec(window); m !== null; m = re.exec(window)) {
      const start = m.index;
      const end = start + m[0].length;
      // The window's last pre-token may continue past it: leave it (and the rest) to the byte count.
      if (end === start || (truncated && end === window.length)) break;
      const bytes = Buffer.byteLength(m[0]);
      if (start !== segEnd || bytes > MAX_PIECE_BYTES) {
        this.flush(text, segStart, segEnd);
        if (start !== segEnd) this.addBytes(text.slice(segEnd, start));
        if (bytes > MAX_PIECE_BYTES) {
          this.bytes += bytes;
          this.tokens += bytes;
          segStart = segEnd = end;
          this.budget -= 1 + bytes / 64; // the regex and byte count still ran over it
          continue;
        }
        segStart = start;
      }
      segEnd = end;
      segCost += 1 + (bytes * bytes) / 16;
      if (segCost >= SEGMENT_COST) {
        this.flush(text, segStart, segEnd);
        segStart = segEnd;
        this.budget -= segCost;
        segCost = 0;
      }
      if (this.budget - segCost <= 0) break;
    }
    this.budget -= segCost;
    this.flush(text, segStart, segEnd);
    if (segEnd < text.length) this.addBytes(text.slice(segEnd));
  }

  /** BPE of the pre-tokens in [start, end): they split the same way on their own, so the count is exact. */
  private flush(text: string, start: number, end: number): void {
    if (end <= start) return;
    this.budget -= COST_PER_CALL;
    this.tokens += this.encode(text.slice(start, end));
  }

  private encode(text: string): number {
    // Special-token markers in user text are plain text to the model's API, never control tokens.
    return this.bpe!.encoder.encode(text, [], []).length;
  }

  /** Counts `text` by its UTF-8 length: one token per byte. */
  private addBytes(text: string): void {
    const bytes = this.measure(text);
    this.bytes += bytes;
    this.tokens += bytes;
  }

  /** UTF-8 length, measured while the request's scan allowance lasts, else bounded by 3 bytes per UTF-16 unit. */
  private measure(text: string): number {
    if (text.length > this.byteScanLeft) return 3 * text.length;
    this.byteScanLeft -= text.length;
    return Buffer.byteLength(text);
  }
}
