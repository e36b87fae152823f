/**
 * Anthropic Messages SSE → OpenAI chunk stream (llm-gateway-peers §4.3). Output grammar: a role chunk first,
 * content / reasoning / tool-call deltas, one finish chunk, an optional usage chunk, then `done()` so the caller
 * writes `[DONE]`. An upstream `error` event or a stream that ends before `message_stop` yields `error()` instead.
 */
import type { AnthropicStreamEvent, AnthropicUsage } from './types/anthropic.js';
import type {
  OpenAiDelta,
  OpenAiFinishReason,
  OpenAiUsage,
} from './types/openai.js';
import { anthropicToOpenAiFinish } from './finish-reasons.js';
import { newId } from './ids.js';
import { parseProviderError, streamTruncatedError, toOpenAiError } from './provider-errors.js';
import { choiceChunk } from './openai-chunks.js';
import { OpenAiChunkStream, type OpenAiChunkStreamOptions } from './openai-chunk-stream.js';
import { anthropicUsageToOpenAi } from './usage.js';

/** Options for {@link AnthropicToOpenAiStream}. */
export type AnthropicToOpenAiStreamOptions = OpenAiChunkStreamOptions;

/** Stateful per-response translator: `push()` each parsed SSE event, then `end()` at upstream EOF. */
export class AnthropicToOpenAiStream extends OpenAiChunkStream<AnthropicStreamEvent> {
  private started = false;
  private toolCount = 0;
  // Anthropic block index → OpenAI tool index (-1 for non-tool blocks); OpenAI counts tool calls, not blocks.
  private readonly toolIndexByBlock: number[] = [];
  private stopReason: string | null = null;
  private readonly raw: AnthropicUsage = { input_tokens: 0, output_tokens: 0 };

  /** Usage so far in the OpenAI convention (for accounting, whether or not the client asked for it). */
  get usage(): OpenAiUsage {
    return anthropicUsageToOpenAi(this.raw);
  }

  /** Upstream EOF: a stream without `message_stop` becomes an error, never a clean end. */
  end(): void {
    if (!this.closed) this.fail(toOpenAiError(streamTruncatedError('no message_stop event')));
  }

  protected handle(data: AnthropicStreamEvent): void {
    switch (data.type) {
      case 'message_start':
        this.header.id = data.message?.id ?? '';
        if (this.header.model === '') this.header.model = data.message?.model ?? '';
        this.mergeUsage(data.message?.usage);
        // message_start's output_tokens is a placeholder (≈1); message_delta sets the real cumulative count.
        this.raw.output_tokens = 0;
        this.start();
        return;
      case 'content_block_start':
        this.blockStart(data);
        return;
      case 'content_block_delta':
        this.blockDelta(data);
        return;
      case 'message_delta':
        if (data.delta?.stop_reason) this.stopReason = data.delta.stop_reason;
        this.mergeUsage(data.usage);
        return;
      case 'message_stop':
        this.finish(anthropicToOpenAiFinish(this.stopReason));
        return;
      case 'error':
        this.fail(toOpenAiError(parseProviderError(data)));
        return;
      default:
        // ping, content_block_stop and event types added later carry nothing for an OpenAI client.
        return;
    }
  }

  private blockStart(data: Extract<AnthropicStreamEvent, { type: 'content_block_start' }>): void {
    const block = data.content_block;
    if (block?.type === 'tool_use') {
      const index = this.toolCount++;
      this.toolIndexByBlock[data.index] = index;
      const input = block.input ?? {};
      // Envoy's rule: a start block that already carries input sends it as the first argument fragment.
      const args = Object.keys(input).length > 0 ? JSON.stringify(input) : '';
      const call = { index, id: block.id, type: 'function' as const, function: { name: block.name, arguments: args } };
      this.emit({ tool_calls: [call] });
      return;
    }
    this.toolIndexByBlock[data.index] = -1;
    if (block?.type === 'text' && block.text) this.emit({ content: block.text });
    else if (block?.type === 'thinking' && block.thinking) this.emit({ reasoning_content: block.thinking });
  }

  private blockDelta(data: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>): void {
    const delta = data.delta;
    switch (delta?.type) {
      case 'text_delta':
        this.emit({ content: delta.text });
        return;
      case 'thinking_delta':
        this.emit({ reasoning_content: delta.thinking });
        return;
      case 'input_json_delta': {
        const index = this.toolIndexByBlock[data.index];
        if (index === undefined || index < 0) return;
        this.emit({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        return;
      }
      default:
        // signature_delta only matters when replaying thinking to Anthropic, which OpenAI clients cannot do.
        return;
    }
  }

  private mergeUsage(usage: Partial<AnthropicUsage> | undefined): void {
    if (usage === undefined || usage === null) return;
    // message_delta usage is cumulative: set, never add; keep earlier values the event leaves out.
    if (typeof usage.input_tokens === 'number') this.raw.input_tokens = usage.input_tokens;
    if (typeof usage.output_tokens === 'number') this.raw.output_tokens = usage.output_tokens;
    const { cache_read_input_tokens: read, cache_creation_input_tokens: creation } = usage;
    if (typeof read === 'number') this.raw.cache_read_input_tokens = read;
    if (typeof creation === 'number') this.raw.cache_creation_input_tokens = creation;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    if (this.header.id === '') this.header.id = newId('msg_');
    this.write({ role: 'assistant', content: '' }, null);
  }

  private emit(delta: OpenAiDelta): void {
    this.start();
    this.write(delta, null);
  }

  private finish(reason: OpenAiFinishReason): void {
    this.start();
    this.write({}, reason);
    this.complete();
  }

  private write(delta: OpenAiDelta, finish: OpenAiFinishReason | null): void {
    this.sink.data(choiceChunk(this.header, { index: 0, delta, finish }, this.includeUsage));
  }
}
