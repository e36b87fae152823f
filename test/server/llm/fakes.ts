/**
 * Loopback fake LLM providers speaking the providers' exact wire formats (OpenAI chat completions, Anthropic
 * Messages, Gemini generateContent), each with a scripted behaviour per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';

/** One call the fake received, body parsed. */
export interface FakeCall {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A fake provider: `calls` in order; `behave` decides each answer. */
export interface FakeProvider extends LoopbackUpstream {
  calls: FakeCall[];
  behave: (call: FakeCall, res: ServerResponse) => void;
}

/** Starts a fake whose behaviour can be swapped between tests. */
export async function startFake(name: string, behave: FakeProvider['behave']): Promise<FakeProvider> {
  const calls: FakeCall[] = [];
  const fake = (await startUpstream(name, (req, res, raw) => {
    const call = { path: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
    calls.push(call);
    fake.behave(call, res);
  })) as FakeProvider;
  fake.calls = calls;
  fake.behave = behave;
  return fake;
}

/** Writes a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Starts an SSE answer. */
export function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

const OA = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000 };

/** OpenAI stream chunk text. */
export function oaChunk(model: string, delta: Record<string, unknown>, finish: string | null = null, usage?: unknown): string {
  const chunk: Record<string, unknown> = { ...OA, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  if (usage !== undefined) chunk.usage = usage;
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** A whole OpenAI stream: role, words, finish, usage chunk when asked, [DONE]. */
export function openAiStream(model: string, words: string[], withUsage: boolean, usage = { prompt_tokens: 11, completion_tokens: words.length, total_tokens: 11 + words.length }): string {
  const u = withUsage ? null : undefined;
  let out = oaChunk(model, { role: 'assistant', content: '' }, null, u);
  for (const w of words) out += oaChunk(model, { content: w }, null, u);
  out += oaChunk(model, {}, 'stop', u);
  if (withUsage) out += `data: ${JSON.stringify({ ...OA, model, choices: [], usage })}\n\n`;
  return out + 'data: [DONE]\n\n';
}

/** A non-stream OpenAI chat completion. */
export function openAiCompletion(model: string, content: string, usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 }): unknown {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage,
  };
}

/** Anthropic SSE event text. */
export function anEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** A whole Anthropic stream: text words, then a tool_use block, usage in message_start/message_delta. */
export function anthropicStream(model: string, words: string[], tool?: { id: string; name: string; json: string[] }): string {
  let out = anEvent('message_start', {
    message: { id: 'msg_fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 5 } },
  });
  out += anEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  out += anEvent('ping', {});
  for (const w of words) out += anEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } });
  out += anEvent('content_block_stop', { index: 0 });
  if (tool) {
    out += anEvent('content_block_start', { index: 1, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } });
    for (const j of tool.json) out += anEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: j } });
    out += anEvent('content_block_stop', { index: 1 });
  }
  out += anEvent('message_delta', { delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
  return out + anEvent('message_stop', {});
}

/** A non-stream Anthropic message. */
export function anthropicMessage(model: string, text: string): unknown {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: 2 },
  };
}

/** A whole Gemini `alt=sse` stream: incremental text, then a finish with usage. */
export function geminiStream(model: string, words: string[]): string {
  let out = '';
  words.forEach((w, i) => {
    const last = i === words.length - 1;
    const cand: Record<string, unknown> = { content: { role: 'model', parts: [{ text: w }] }, index: 0 };
    if (last) cand.finishReason = 'STOP';
    const ev: Record<string, unknown> = { candidates: [cand], modelVersion: model, responseId: 'gem-1' };
    if (last) ev.usageMetadata = { promptTokenCount: 8, candidatesTokenCount: words.length, thoughtsTokenCount: 2, totalTokenCount: 10 + words.length };
    out += `data: ${JSON.stringify(ev)}\r\n\r\n`;
  });
  return out;
}

/** A non-stream Gemini response. */
export function geminiResponse(model: string, text: string): unknown {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 2, totalTokenCount: 8 },
    modelVersion: model,
    responseId: 'gem-2',
  };
}
