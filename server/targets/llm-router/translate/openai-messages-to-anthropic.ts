/**
 * OpenAI `messages` → Anthropic `system` + `messages` (llm-gateway-peers §4.1): system/developer messages are
 * hoisted in order, consecutive tool results share one user turn, and same-role turns are merged because
 * Anthropic requires strict user/assistant alternation.
 */
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from './types/anthropic.js';
import type { OpenAiMessage } from './types/openai.js';
import { contentToBlocks, contentToTextBlocks } from './openai-content-to-anthropic.js';
import { isRecord, parseToolArguments, requireArray, requireString, TranslationError } from './translation-error.js';

/** The `system` and `messages` halves of an Anthropic request. */
export interface AnthropicConversation {
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

function assistantBlocks(msg: OpenAiMessage, param: string): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = contentToTextBlocks(msg.content, `${param}.content`);
  if (msg.tool_calls === undefined || msg.tool_calls === null) return blocks;
  const calls = requireArray<unknown>(msg.tool_calls, `${param}.tool_calls`);
  for (let j = 0; j < calls.length; j++) {
    const call = calls[j];
    const cp = `${param}.tool_calls[${j}]`;
    if (!isRecord(call) || !isRecord(call.function)) {
      throw new TranslationError(`${cp} must be an object`, { param: cp });
    }
    const block: AnthropicToolUseBlock = {
      type: 'tool_use',
      id: requireString(call.id, `${cp}.id`),
      name: requireString(call.function.name, `${cp}.function.name`),
      input: parseToolArguments(call.function.arguments, `${cp}.function.arguments`),
    };
    blocks.push(block);
  }
  return blocks;
}

function toolResultBlock(msg: OpenAiMessage, param: string): AnthropicToolResultBlock {
  const id = requireString(msg.tool_call_id, `${param}.tool_call_id`);
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: id };
  if (typeof msg.content === 'string') block.content = msg.content;
  else {
    const parts = contentToBlocks(msg.content, `${param}.content`);
    if (parts.length > 0) block.content = parts;
  }
  return block;
}

function push(out: AnthropicMessage[], role: 'user' | 'assistant', blocks: AnthropicContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = out[out.length - 1];
  if (last !== undefined && last.role === role) {
    (last.content as AnthropicContentBlock[]).push(...blocks);
    return;
  }
  out.push({ role, content: blocks });
}

/** Splits and converts an OpenAI message list; throws {@link TranslationError} on malformed input. */
export function openAiMessagesToAnthropic(messages: unknown): AnthropicConversation {
  const list = requireArray<unknown>(messages, 'messages');
  if (list.length === 0) throw new TranslationError('messages must not be empty', { param: 'messages' });
  const system: AnthropicTextBlock[] = [];
  const out: AnthropicMessage[] = [];
  for (let i = 0; i < list.length; i++) {
    const msg = list[i];
    const param = `messages[${i}]`;
    if (!isRecord(msg)) throw new TranslationError(`${param} must be an object`, { param });
    const m = msg as unknown as OpenAiMessage;
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...contentToTextBlocks(m.content, `${param}.content`));
        break;
      case 'user':
        push(out, 'user', contentToBlocks(m.content, `${param}.content`));
        break;
      case 'assistant':
        push(out, 'assistant', assistantBlocks(m, param));
        break;
      case 'tool':
        pushToolResult(out, toolResultBlock(m, param));
        break;
      default:
        throw new TranslationError(`${param}.role '${String(m.role)}' is not a chat role`, {
          param: `${param}.role`,
        });
    }
  }
  return { system, messages: out };
}

// Tool results must lead their user turn, so a result arriving after user text in the same turn goes before it.
function pushToolResult(out: AnthropicMessage[], block: AnthropicToolResultBlock): void {
  const last = out[out.length - 1];
  if (last === undefined || last.role !== 'user') {
    out.push({ role: 'user', content: [block] });
    return;
  }
  const blocks = last.content as AnthropicContentBlock[];
  let at = 0;
  while (at < blocks.length && blocks[at]?.type === 'tool_result') at++;
  blocks.splice(at, 0, block);
}
