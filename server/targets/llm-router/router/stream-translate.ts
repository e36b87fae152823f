/**
 * Chooses the stream translator chain for (client protocol × upstream mode) and wires its output to the
 * client writer. Every chain ends in exactly one of: a clean protocol end, or an error event + aborted socket.
 */
import { formatSseJson, SSE_DONE, type SseEvent } from '../../../sse/index.js';
import {
  AnthropicToOpenAiStream,
  GeminiToOpenAiStream,
  OpenAiToAnthropicStream,
  parseProviderError,
  toAnthropicError,
  toOpenAiError,
  type AnthropicErrorBody,
  type AnthropicStreamEvent,
  type NormalizedError,
  type OpenAiChunk,
  type OpenAiErrorBody,
  type OpenAiUsage,
  type StreamSink,
} from '../translate/index.js';
import type { ClientStream } from './client-stream.js';
import { AnthropicPassthrough, OpenAiPassthrough, ResponsesPassthrough } from './stream-passthrough.js';
import type { PreparedCall } from './prepare-call.js';
import type { LlmRequest } from './types.js';
import type { StreamChain } from './stream-chain.js';

/** Output counters shared by a chain's sinks. */
interface Counter {
  chars: number;
}

/** Builds the chain for one call; `asked.model` is the name the client asked for, reported back to it. */
export function buildStreamChain(call: PreparedCall, asked: Pick<LlmRequest, 'protocol' | 'model'>, client: ClientStream): StreamChain {
  const { protocol, model } = asked;
  const count: Counter = { chars: 0 };
  if (call.mode === 'passthrough') return new ResponsesPassthrough(client);
  if (protocol === 'openai') {
    if (call.mode === 'openai') return new OpenAiPassthrough(client, call.clientWantsUsage);
    const sink = openAiSink(client, count);
    const t = call.mode === 'anthropic'
      ? new AnthropicToOpenAiStream(sink, { includeUsage: call.clientWantsUsage, model })
      : new GeminiToOpenAiStream(sink, { includeUsage: call.clientWantsUsage, model });
    return chain(t, count, (n) => t.abort(toOpenAiError(n)));
  }
  if (call.mode === 'anthropic') return new AnthropicPassthrough(client);
  const out = new OpenAiToAnthropicStream(anthropicSink(client, count), { model, toolNames: call.toolNames });
  if (call.mode === 'openai') return chain(out, count, (n) => out.abort(toAnthropicError(n)));
  // Gemini → OpenAI chunks → Anthropic events: the OpenAI chunk stream is the one pivot format.
  const gemini = new GeminiToOpenAiStream(
    {
      data: (chunk) => out.push({ data: JSON.stringify(chunk) }),
      error: (body) => out.abort(toAnthropicError(parseProviderError(body))),
      done: () => out.push({ data: '[DONE]' }),
    },
    { includeUsage: true, model },
  );
  return chain(gemini, count, (n) => out.abort(toAnthropicError(n)));
}

/** `t`'s usage is read when the stream ends (its getter sums what the upstream reported). */
function chain(t: { push(e: SseEvent): void; end(): void; readonly usage: OpenAiUsage | null }, count: Counter, abort: (n: NormalizedError) => void): StreamChain {
  return { push: (e) => t.push(e), end: () => t.end(), abort, usage: () => t.usage, outputChars: () => count.chars };
}

function openAiSink(client: ClientStream, count: Counter): StreamSink<OpenAiChunk, OpenAiErrorBody> {
  return {
    data(chunk) {
      const d = chunk.choices?.[0]?.delta;
      if (d) count.chars += (d.content?.length ?? 0) + (d.reasoning_content?.length ?? 0) + toolChars(d.tool_calls);
      client.write(`data: ${JSON.stringify(chunk)}\n\n`);
    },
    error: (body) => client.fail(parseProviderError(body), `data: ${JSON.stringify(body)}\n\n`),
    done: () => client.end(SSE_DONE),
  };
}

function anthropicSink(client: ClientStream, count: Counter): StreamSink<AnthropicStreamEvent, AnthropicErrorBody> {
  return {
    data(event) {
      if (event.type === 'content_block_delta') count.chars += deltaChars(event.delta);
      client.write(formatSseJson(event, event.type));
    },
    error: (body) => client.fail(parseProviderError(body), formatSseJson(body, 'error')),
    done: () => client.end(''),
  };
}

function toolChars(calls: Array<{ function?: { arguments?: string } }> | undefined): number {
  let n = 0;
  for (const c of calls ?? []) n += c.function?.arguments?.length ?? 0;
  return n;
}

function deltaChars(delta: unknown): number {
  const d = delta as { text?: string; thinking?: string; partial_json?: string };
  return (d.text?.length ?? 0) + (d.thinking?.length ?? 0) + (d.partial_json?.length ?? 0);
}
