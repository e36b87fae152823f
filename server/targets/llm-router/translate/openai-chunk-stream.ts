import type { SseEvent } from '../../../sse/index.js';
import type { OpenAiChunk, OpenAiErrorBody, OpenAiUsage } from './types/openai.js';
import { nowSeconds } from './ids.js';
import { nonJsonEventError, toOpenAiError } from './provider-errors.js';
import { usageChunk, type ChunkHeader } from './openai-chunks.js';
import type { StreamSink } from './stream-sink.js';

/** Options shared by the translators that produce OpenAI chunks. */
export interface OpenAiChunkStreamOptions {
  /** The client set `stream_options.include_usage`: add `usage:null` to chunks and a final usage chunk. */
  includeUsage?: boolean;
  /** Model name to report (the one the client asked for); defaults to the upstream's. */
  model?: string;
}

/**
 * The lifecycle every provider → OpenAI stream translator shares: parse each upstream event (a non-JSON one
 * fails the stream), write exactly one terminal `done()` or `error()`, and end with the usage chunk when the
 * client asked for it. Subclasses translate one parsed event in `handle()` and decide what a clean end is.
 */
export abstract class OpenAiChunkStream<TEvent> {
  // id and model are filled from the first upstream event; every chunk shares this one header object.
  protected readonly header: ChunkHeader;
  protected readonly includeUsage: boolean;
  protected closed = false;

  /** Creates a translator writing to `sink`. */
  constructor(
    protected readonly sink: StreamSink<OpenAiChunk, OpenAiErrorBody>,
    options: OpenAiChunkStreamOptions = {},
  ) {
    this.includeUsage = options.includeUsage === true;
    this.header = { id: '', created: nowSeconds(), model: options.model ?? '' };
  }

  /** Usage so far in the OpenAI convention (for accounting, whether or not the client asked for it). */
  abstract get usage(): OpenAiUsage;

  /** True once a terminal `done()` or `error()` has been written. */
  get finished(): boolean {
    return this.closed;
  }

  /** Translates one upstream event. */
  push(event: SseEvent): void {
    if (this.closed) return;
    let data: TEvent;
    try {
      data = JSON.parse(event.data) as TEvent;
    } catch {
      this.fail(toOpenAiError(nonJsonEventError(event.data)));
      return;
    }
    this.handle(data);
  }

  /** Upstream EOF: the subclass decides whether the stream ended cleanly. */
  abstract end(): void;

  /** Aborts with a caller-supplied error (e.g. an upstream socket reset). */
  abort(error: OpenAiErrorBody): void {
    if (!this.closed) this.fail(error);
  }

  /** Translates one parsed upstream event. */
  protected abstract handle(data: TEvent): void;

  /** Writes the usage chunk (when asked for) and the clean end. */
  protected complete(): void {
    if (this.includeUsage) this.sink.data(usageChunk(this.header, this.usage));
    this.closed = true;
    this.sink.done();
  }

  /** Ends the stream with an error event. */
  protected fail(error: OpenAiErrorBody): void {
    this.closed = true;
    this.sink.error(error);
  }
}
