/**
 * Streams that need no protocol translation: the upstream's events go out as they came (modulo the usage
 * chunk the client did not ask for), while the gateway watches them for usage and for a proper ending.
 */
import { formatSseEvent, formatSseJson, SSE_DONE, type SseEvent } from '../../../sse/index.js';
import {
  AnthropicToOpenAiStream,
  normalizeOpenAiUsage,
  parseProviderError,
  stripUsageChunk,
  streamTruncatedError,
  toAnthropicError,
  toOpenAiError,
  type NormalizedError,
  type OpenAiChunk,
  type OpenAiUsage,
} from '../translate/index.js';
import type { ClientStream } from './client-stream.js';
import type { StreamChain } from './stream-chain.js';

/** OpenAI-protocol upstream → OpenAI client. */
export class OpenAiPassthrough implements StreamChain {
  private seenUsage: OpenAiUsage | null = null;
  private chars = 0;

  constructor(
    private readonly client: ClientStream,
    private readonly clientWantsUsage: boolean,
  ) {}

  /** Forwards one chunk; `[DONE]` ends the stream cleanly. */
  push(e: SseEvent): void {
    if (this.client.finished) return;
    const data = e.data;
    if (data === '[DONE]') return this.client.end(SSE_DONE);
    // The common delta chunk goes out byte for byte without a JSON round trip; only a chunk that may carry
    // usage or an error (or does not even look like an object) is parsed.
    const raw = plainChunk(data, this.clientWantsUsage);
    if (raw !== undefined) {
      this.chars += deltaTextChars(raw);
      return this.client.write(`data: ${raw}\n\n`);
    }
    let chunk: OpenAiChunk & { error?: unknown };
    try {
      chunk = JSON.parse(data) as OpenAiChunk & { error?: unknown };
    } catch {
      return this.abort({ ...streamTruncatedError('non-JSON event'), code: 'upstream_protocol_error' });
    }
    if (chunk.error !== undefined) return this.abort(parseProviderError(chunk));
    const delta = chunk.choices?.[0]?.delta;
    if (delta) this.chars += (delta.content?.length ?? 0) + (delta.reasoning_content?.length ?? 0);
    if (!('usage' in chunk)) return this.client.write(`data: ${data}\n\n`);
    if (chunk.usage) this.seenUsage = normalizeOpenAiUsage(chunk.usage);
    if (this.clientWantsUsage) return this.client.write(`data: ${data}\n\n`);
    const kept = stripUsageChunk(chunk);
    if (kept) this.client.write(`data: ${JSON.stringify(kept)}\n\n`);
  }

  /** EOF without `[DONE]` is a cut stream. */
  end(): void {
    if (!this.client.finished) this.abort(streamTruncatedError('no [DONE] event'));
  }

  /** Ends with an OpenAI-shaped error event. */
  abort(n: NormalizedError): void {
    this.client.fail(n, `data: ${JSON.stringify(toOpenAiError(n))}\n\n`);
  }

  /** Usage from the upstream's usage chunk. */
  usage(): OpenAiUsage | null {
    return this.seenUsage;
  }

  /** Generated characters seen. */
  outputChars(): number {
    return this.chars;
  }
}

/** Anthropic upstream → Anthropic client; an inner translator tracks usage and the message_stop ending. */
export class AnthropicPassthrough implements StreamChain {
  private chars = 0;
  private readonly watch: AnthropicToOpenAiStream;

  constructor(private readonly client: ClientStream) {
    this.watch = new AnthropicToOpenAiStream({
      data: (chunk) => {
        const d = chunk.choices[0]?.delta;
        if (d) this.chars += (d.content?.length ?? 0) + (d.reasoning_content?.length ?? 0);
      },
      error: (body) => this.abort(parseProviderError(body)),
      done: () => client.end(''),
    });
  }

  /** Forwards one event unchanged; an `error` event ends the stream as a failure. */
  push(e: SseEvent): void {
    if (this.client.finished) return;
    if (e.event === 'error') return this.abort(parseProviderError(e.data));
    this.client.write(formatSseEvent({ event: e.event, data: e.data }));
    this.watch.push(e);
  }

  /** EOF: the watcher decides whether message_stop was seen. */
  end(): void {
    this.watch.end();
  }

  /** Ends with an Anthropic `error` event. */
  abort(n: NormalizedError): void {
    this.client.fail(n, formatSseJson(toAnthropicError(n), 'error'));
  }

  /** Usage from message_start/message_delta. */
  usage(): OpenAiUsage | null {
    return this.watch.usage;
  }

  /** Generated characters seen. */
  outputChars(): number {
    return this.chars;
  }
}

/** OpenAI Responses API stream, passed through; `response.completed` (or incomplete/failed) is its end. */
export class ResponsesPassthrough implements StreamChain {
  private seenUsage: OpenAiUsage | null = null;
  private chars = 0;

  constructor(private readonly client: ClientStream) {}

  /** Forwards one event; terminal events end the stream. */
  push(e: SseEvent): void {
    if (this.client.finished) return;
    let data: { type?: string; delta?: unknown; response?: { usage?: Record<string, unknown> } };
    try {
      data = JSON.parse(e.data) as typeof data;
    } catch {
      data = {};
    }
    const type = data.type ?? e.event;
    if (type === 'error') return this.abort(parseProviderError({ error: data }));
    if (type === 'response.output_text.delta' && typeof data.delta === 'string') this.chars += data.delta.length;
    this.client.write(formatSseEvent({ event: e.event, data: e.data }));
    if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
      this.seenUsage = responsesUsage(data.response?.usage);
      this.client.end('');
    }
  }

  /** EOF before a terminal event is a cut stream. */
  end(): void {
    if (!this.client.finished) this.abort(streamTruncatedError('no response.completed event'));
  }

  /** Ends with a Responses-API `error` event. */
  abort(n: NormalizedError): void {
    this.client.fail(n, formatSseJson({ type: 'error', code: n.code, message: n.message, param: n.param }, 'error'));
  }

  /** Usage from the terminal event. */
  usage(): OpenAiUsage | null {
    return this.seenUsage;
  }

  /** Generated characters seen. */
  outputChars(): number {
    return this.chars;
  }
}

/** Responses usage (`input_tokens`/`output_tokens`) in the OpenAI chat convention. */
export function responsesUsage(u: Record<string, unknown> | undefined): OpenAiUsage | null {
  if (!u) return null;
  const inDetails = (u.input_tokens_details ?? {}) as Record<string, unknown>;
  const outDetails = (u.output_tokens_details ?? {}) as Record<string, unknown>;
  return normalizeOpenAiUsage({
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    prompt_tokens_details: { cached_tokens: inDetails.cached_tokens },
    completion_tokens_details: { reasoning_tokens: outDetails.reasoning_tokens },
  });
}

const PLAIN_OPEN = 123; // '{'
const PLAIN_CLOSE = 125; // '}'

const NULL_USAGE = '"usage":null';

/**
 * The text to forward for a chunk that needs no parsing, or undefined: a JSON object mentioning no `"error"`
 * and no usage except OpenAI's `"usage":null` (sent on every chunk once include_usage is on), which is removed
 * unless the client asked for usage itself. Inside a JSON string every quote is escaped, so these quoted words
 * appear only as keys or whole string values; a false match merely takes the parsing path.
 */
export function plainChunk(data: string, keepUsage: boolean): string | undefined {
  if (data.charCodeAt(0) !== PLAIN_OPEN || data.charCodeAt(data.length - 1) !== PLAIN_CLOSE || data.includes('"error"')) return undefined;
  const at = data.indexOf('"usage"');
  if (at === -1) return data;
  if (!data.startsWith(NULL_USAGE, at) || data.includes('"usage"', at + 1)) return undefined;
  if (keepUsage) return data;
  const after = at + NULL_USAGE.length;
  if (data.charCodeAt(at - 1) === 44 /* , */) return data.slice(0, at - 1) + data.slice(after);
  if (data.charCodeAt(after) === 44) return data.slice(0, at) + data.slice(after + 1);
  return undefined;
}

const TEXT_FIELD = /"(?:reasoning_)?content"\s*:\s*"/g;

/** Characters of `content`/`reasoning_content` strings in a raw chunk (an escape counts as one), for estimates. */
export function deltaTextChars(data: string): number {
  let n = 0;
  TEXT_FIELD.lastIndex = 0;
  for (let m = TEXT_FIELD.exec(data); m !== null; m = TEXT_FIELD.exec(data)) {
    let i = TEXT_FIELD.lastIndex;
    for (; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c === 34) break; // closing '"'
      if (c === 92) i += data.charCodeAt(i + 1) === 117 ? 5 : 1; // '\uXXXX' or '\x'
      n++;
    }
    TEXT_FIELD.lastIndex = i + 1;
  }
  return n;
}
