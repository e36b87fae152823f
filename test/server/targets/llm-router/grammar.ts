/**
 * Grammar checkers for translated streams. Each throws a descriptive Error on the first violation and
 * otherwise returns the assembled message, so a test can assert both the grammar and the content.
 */
import type {
  AnthropicStreamEvent,
  OpenAiChunk,
  OpenAiUsage,
} from '../../../../server/targets/llm-router/translate/index.js';

/** The message an OpenAI client would assemble from a chunk stream. */
export interface AssembledOpenAi {
  content: string;
  reasoning: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
  usage: OpenAiUsage | null;
}

function fail(message: string): never {
  throw new Error(`stream grammar: ${message}`);
}

function applyToolDeltas(delta: OpenAiChunk['choices'][number]['delta'], out: AssembledOpenAi): void {
  for (const tc of delta.tool_calls ?? []) {
    const existing = out.toolCalls[tc.index];
    if (existing === undefined) {
      if (tc.index !== out.toolCalls.length) fail(`tool index ${tc.index} skips ahead of ${out.toolCalls.length}`);
      if (!tc.id || tc.type !== 'function' || !tc.function?.name) fail(`first delta of tool ${tc.index} lacks id/type/name`);
      out.toolCalls.push({ id: tc.id, name: tc.function.name, arguments: tc.function.arguments ?? '' });
    } else {
      if (tc.id !== undefined || tc.function?.name !== undefined) fail(`tool ${tc.index} repeats id or name`);
      existing.arguments += tc.function?.arguments ?? '';
    }
  }
}

/** Checks role-first, one finish_reason, usage chunk last, and tool-call fragment rules. */
export function assembleOpenAi(chunks: OpenAiChunk[]): AssembledOpenAi {
  const out: AssembledOpenAi = { content: '', reasoning: '', toolCalls: [], finishReason: '', usage: null };
  const [first] = chunks;
  if (first === undefined) fail('no chunks');
  if (first.choices[0]?.delta.role !== 'assistant') fail('first chunk does not carry role assistant');
  const ids = new Set(chunks.map((c) => c.id));
  if (ids.size !== 1) fail(`chunk ids differ: ${[...ids].join(', ')}`);
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.object !== 'chat.completion.chunk') fail(`chunk ${i} has object ${chunk.object}`);
    const [choice] = chunk.choices;
    if (choice === undefined) {
      if (i !== chunks.length - 1 || !chunk.usage) fail(`choice-less chunk ${i} is not a final usage chunk`);
      out.usage = chunk.usage;
      continue;
    }
    if (out.finishReason !== '') fail(`chunk ${i} with choices after finish_reason`);
    if (i > 0 && choice.delta.role !== undefined) fail(`role repeated in chunk ${i}`);
    const { delta, finish_reason: finish } = choice;
    out.content += delta.content ?? '';
    out.reasoning += delta.reasoning_content ?? '';
    applyToolDeltas(delta, out);
    if (finish !== null) out.finishReason = finish;
  }
  if (out.finishReason === '') fail('no finish_reason');
  for (const call of out.toolCalls) JSON.parse(call.arguments);
  return out;
}

/** The message an Anthropic client would assemble from an event stream. */
export interface AssembledAnthropic {
  blocks: Array<{ type: string; text?: string; thinking?: string; id?: string; name?: string; json?: string }>;
  stopReason: string | null;
  usage: Record<string, unknown>;
}

/** Checks message_start first, balanced blocks with consecutive indexes, message_delta then message_stop last. */
export function assembleAnthropic(events: AnthropicStreamEvent[]): AssembledAnthropic {
  const out: AssembledAnthropic = { blocks: [], stopReason: null, usage: {} };
  if (events[0]?.type !== 'message_start') fail('first event is not message_start');
  if (events[events.length - 1]?.type !== 'message_stop') fail('last event is not message_stop');
  if (events[events.length - 2]?.type !== 'message_delta') fail('message_delta does not precede message_stop');
  let open = -1;
  for (const ev of events.slice(1, -2)) {
    if (ev.type === 'content_block_start') {
      if (open !== -1) fail(`block ${ev.index} starts while ${open} is open`);
      if (ev.index !== out.blocks.length) fail(`block index ${ev.index}, expected ${out.blocks.length}`);
      const b = ev.content_block;
      out.blocks.push(b.type === 'tool_use' ? { type: b.type, id: b.id, name: b.name, json: '' } : { type: b.type, text: '', thinking: '' });
      open = ev.index;
    } else if (ev.type === 'content_block_delta') {
      const block = out.blocks[ev.index] ?? fail(`delta for unknown block ${ev.index}`);
      if (ev.delta.type === 'text_delta') block.text += ev.delta.text;
      else if (ev.delta.type === 'thinking_delta') block.thinking += ev.delta.thinking;
      else if (ev.delta.type === 'input_json_delta') block.json += ev.delta.partial_json;
    } else if (ev.type === 'content_block_stop') {
      if (ev.index !== open) fail(`stop for ${ev.index} while ${open} is open`);
      open = -1;
    } else fail(`unexpected ${ev.type} inside the message`);
  }
  if (open !== -1) fail(`block ${open} never stopped`);
  const delta = events[events.length - 2] as Extract<AnthropicStreamEvent, { type: 'message_delta' }>;
  out.stopReason = delta.delta.stop_reason;
  out.usage = delta.usage as Record<string, unknown>;
  for (const b of out.blocks) if (b.type === 'tool_use') JSON.parse(b.json === '' ? '{}' : b.json!);
  return out;
}
