/**
 * OpenAI chunk stream → Anthropic Messages SSE events (llm-gateway-peers §4.4, Higress claude_to_openai):
 * message_start, then content_block_start/delta/stop per thinking, text and tool block with consecutive
 * indexes, then message_delta (stop_reason + usage) and message_stop. `message_delta` is held back until the
 * usage chunk arrives, because OpenAI sends usage after the finish chunk.
 */
import type { SseEvent } from '../../../sse/index.js';
import type { AnthropicErrorBody, AnthropicStreamEvent } from './types/anthropic.js';
import type { OpenAiChunk, OpenAiDelta, OpenAiToolCallDelta, OpenAiUsage } from './types/openai.js';
import { openAiToAnthropicStop } from './finish-reasons.js';
import { newId } from './ids.js';
import { nonJsonEventError, parseProviderError, streamTruncatedError, toAnthropicError } from './provider-errors.js';
import type { StreamSink } from './stream-sink.js';
import { restoreToolName, type ToolNameMap } from './tool-names.js';
import { isRecord } from './translation-error.js';
import { normalizeOpenAiUsage, openAiUsageToAnthropic } from './usage.js';

/** Options for {@link OpenAiToAnthropicStream}. */
export interface OpenAiToAnthropicStreamOptions {
  /** Model name to report; defaults to the upstream's. */
  model?: string;
  /** From {@link anthropicToOpenAiRequest}: restores tool names shortened for the upstream. */
  toolNames?: ToolNameMap;
}

type BlockKind = 'text' | 'thinking' | 'tool';

/** Stateful per-response translator: `push()` each parsed SSE event, then `end()` at upstream EOF. */
export class OpenAiToAnthropicStream {
  private started = false;
  private closed = false;
  private nextBlock = 0;
  private openKind: BlockKind | null = null;
  private openIndex = -1;
  // OpenAI tool-call index → Anthropic block index.
  private readonly toolBlocks: number[] = [];
  private finishReason: string | null = null;
  private usageSeen: OpenAiUsage | null = null;

  /** Creates a translator writing to `sink`. */
  constructor(
    private readonly sink: StreamSink<AnthropicStreamEvent, AnthropicErrorBody>,
    private readonly options: OpenAiToAnthropicStreamOptions = {},
  ) {}

  /** Usage reported by the upstream so far, in the OpenAI convention, or null. */
  get usage(): OpenAiUsage | null {
    return this.usageSeen;
  }

  /** True once a terminal `done()` or `error()` has been written. */
  get finished(): boolean {
    return this.closed;
  }

  /** Translates one upstream event (a chunk or `[DONE]`). */
  push(event: SseEvent): void {
    if (this.closed) return;
    if (event.data === '[DONE]') {
      this.complete();
      return;
    }
    let chunk: OpenAiChunk & { error?: unknown };
    try {
      chunk = JSON.parse(event.data) as OpenAiChunk & { error?: unknown };
    } catch {
      this.fail(toAnthropicError(nonJsonEventError(event.data)));
      return;
    }
    if (!isRecord(chunk)) return;
    if (chunk.error !== undefined) {
      this.fail(toAnthropicError(parseProviderError(chunk)));
      return;
    }
    this.handleChunk(chunk);
  }

  /** Upstream EOF: without a finish_reason the stream was cut and an error event is written. */
  end(): void {
    if (this.closed) return;
    if (this.finishReason !== null) this.complete();
    else this.fail(toAnthropicError(streamTruncatedError('no finish_reason before end of stream')));
  }

  /** Aborts with a caller-supplied error (e.g. an upstream socket reset). */
  abort(error: AnthropicErrorBody): void {
    if (!this.closed) this.fail(error);
  }

  private handleChunk(chunk: OpenAiChunk): void {
    this.start(chunk);
    if (isRecord(chunk.usage)) this.usageSeen = normalizeOpenAiUsage(chunk.usage);
    // Anthropic messages have one answer; with n>1 upstream only choice 0 is translated.
    const first = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const choice = first !== undefined && (first.index ?? 0) === 0 ? first : undefined;
    if (isRecord(choice) && isRecord(choice.delta)) this.handleDelta(choice.delta);
    if (isRecord(choice) && typeof choice.finish_reason === 'string' && this.finishReason === null) {
      this.closeBlock();
      this.finishReason = choice.finish_reason;
    }
    if (this.finishReason !== null && this.usageSeen !== null) this.complete();
  }

  private handleDelta(delta: OpenAiDelta): void {
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      this.ensureBlock('thinking');
      this.delta({ type: 'thinking_delta', thinking: delta.reasoning_content });
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.ensureBlock('text');
      this.delta({ type: 'text_delta', text: delta.content });
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.toolDelta(call);
  }

  private toolDelta(call: OpenAiToolCallDelta): void {
    const toolIndex = typeof call.index === 'number' ? call.index : this.toolBlocks.length;
    let index = this.toolBlocks[toolIndex];
    if (index === undefined) {
      this.closeBlock();
      index = this.nextBlock++;
      this.toolBlocks[toolIndex] = index;
      this.openKind = 'tool';
      this.openIndex = index;
      const name = restoreToolName(this.options.toolNames, call.function?.name ?? '');
      const id = call.id ?? newId('toolu_');
      const block = { type: 'tool_use' as const, id, name, input: {} };
      this.sink.data({ type: 'content_block_start', index, content_block: block });
    }
    const args = call.function?.arguments;
    if (typeof args === 'string' && args !== '') {
      // A fragment for an earlier, already closed call still names its own block index, which SDKs accumulate by.
      this.sink.data({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
    }
  }

  private start(chunk: OpenAiChunk): void {
    if (this.started) return;
    this.started = true;
    this.sink.data({
      type: 'message_start',
      message: {
        id: newId('msg_'),
        type: 'message',
        role: 'assistant',
        model: this.options.model ?? (typeof chunk.model === 'string' ? chunk.model : ''),
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Input tokens are unknown until the usage chunk; message_delta carries the final counts.
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  private ensureBlock(kind: 'text' | 'thinking'): void {
    if (this.openKind === kind) return;
    this.closeBlock();
    this.openKind = kind;
    this.openIndex = this.nextBlock++;
    const block =
      kind === 'text' ? { type: 'text' as const, text: '' } : { type: 'thinking' as const, thinking: '', signature: '' };
    this.sink.data({ type: 'content_block_start', index: this.openIndex, content_block: block });
  }

  private delta(delta: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta']): void {
    this.sink.data({ type: 'content_block_delta', index: this.openIndex, delta });
  }

  private closeBlock(): void {
    if (this.openKind === null) return;
    this.sink.data({ type: 'content_block_stop', index: this.openIndex });
    this.openKind = null;
  }

  private complete(): void {
    if (this.closed) return;
    if (!this.started) {
      this.fail(toAnthropicError(streamTruncatedError('stream ended before any chunk')));
      return;
    }
    this.closeBlock();
    const usage = openAiUsageToAnthropic(this.usageSeen);
    this.sink.data({
      type: 'message_delta',
      delta: { stop_reason: openAiToAnthropicStop(this.finishReason), stop_sequence: null },
      usage,
    });
    this.sink.data({ type: 'message_stop' });
    this.closed = true;
    this.sink.done();
  }

  private fail(error: AnthropicErrorBody): void {
    this.closed = true;
    this.sink.error(error);
  }
}
