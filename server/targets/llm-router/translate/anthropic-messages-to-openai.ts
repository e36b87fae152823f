/**
 * Anthropic `system` + `messages` → OpenAI `messages` (llm-gateway-peers §4.4): tool_result blocks become
 * `role:"tool"` messages placed before the rest of their user turn; tool_use blocks become `tool_calls`.
 */
import type { AnthropicContentBlock, AnthropicToolResultBlock } from './types/anthropic.js';
import type { OpenAiContentPart, OpenAiMessage, OpenAiToolCall } from './types/openai.js';
import { toDataUrl } from './media.js';
import { registerToolName } from './tool-names.js';
import { isRecord, requireArray, requireString, TranslationError } from './translation-error.js';

function blockToPart(block: AnthropicContentBlock, param: string): OpenAiContentPart | null {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image': {
      const src = block.source;
      if (src?.type === 'base64') {
        return { type: 'image_url', image_url: { url: toDataUrl(src.media_type, src.data) } };
      }
      if (src?.type === 'url') return { type: 'image_url', image_url: { url: src.url } };
      throw new TranslationError(`${param}.source.type must be base64 or url`, { param: `${param}.source` });
    }
    case 'document': {
      const src = block.source;
      if (src?.type === 'text') return { type: 'text', text: src.data };
      if (src?.type === 'base64') {
        const file: { file_data: string; filename?: string } = { file_data: toDataUrl(src.media_type, src.data) };
        if (block.title !== undefined) file.filename = block.title;
        return { type: 'file', file };
      }
      throw new TranslationError(`${param}: only base64 and text documents are supported`, { param });
    }
    case 'thinking':
    case 'redacted_thinking':
      // Signed thinking cannot be replayed to another provider; OpenAI-compatible APIs ignore or reject it.
      return null;
    default:
      throw new TranslationError(`${param}.type '${String(block.type)}' is not supported in this position`, {
        param: `${param}.type`,
      });
  }
}

function toolResultText(block: AnthropicToolResultBlock, param: string, images: OpenAiContentPart[]): string {
  if (typeof block.content === 'string') return block.content;
  let text = '';
  for (const [k, item] of (block.content ?? []).entries()) {
    const part = blockToPart(item, `${param}.content[${k}]`);
    // OpenAI tool messages are text-only; images in a result ride along in the user turn that follows.
    if (part?.type === 'text') text += text === '' ? part.text : `\n${part.text}`;
    else if (part !== null) images.push(part);
  }
  return text;
}

function userMessages(blocks: AnthropicContentBlock[], param: string, out: OpenAiMessage[]): void {
  const parts: OpenAiContentPart[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j];
    const bp = `${param}.content[${j}]`;
    if (!isRecord(block)) throw new TranslationError(`${bp} must be an object`, { param: bp });
    if (block.type === 'tool_result') {
      const id = requireString(block.tool_use_id, `${bp}.tool_use_id`);
      out.push({ role: 'tool', tool_call_id: id, content: toolResultText(block, bp, parts) });
    } else {
      const part = blockToPart(block, bp);
      if (part !== null) parts.push(part);
    }
  }
  const [first] = parts;
  if (first === undefined) return;
  const onlyText = parts.length === 1 && first.type === 'text';
  out.push({ role: 'user', content: onlyText ? first.text : parts });
}

function assistantMessage(blocks: AnthropicContentBlock[], param: string, names: Map<string, string>): OpenAiMessage {
  let text: string | null = null;
  const calls: OpenAiToolCall[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j];
    const bp = `${param}.content[${j}]`;
    if (!isRecord(block)) throw new TranslationError(`${bp} must be an object`, { param: bp });
    if (block.type === 'text') text = text === null ? block.text : text + block.text;
    else if (block.type === 'tool_use') {
      const name = registerToolName(names, requireString(block.name, `${bp}.name`));
      const args = JSON.stringify(block.input ?? {});
      calls.push({ id: requireString(block.id, `${bp}.id`), type: 'function', function: { name, arguments: args } });
    } else blockToPart(block, bp);
  }
  const msg: OpenAiMessage = { role: 'assistant', content: text };
  if (calls.length > 0) msg.tool_calls = calls;
  return msg;
}

/** Converts the conversation; `names` collects shortened tool names for the way back. */
export function anthropicMessagesToOpenAi(
  system: unknown,
  messages: unknown,
  names: Map<string, string>,
): OpenAiMessage[] {
  const out: OpenAiMessage[] = [];
  if (typeof system === 'string') {
    if (system.length > 0) out.push({ role: 'system', content: system });
  } else if (system !== undefined && system !== null) {
    const texts = requireArray<unknown>(system, 'system').map((b, i) => {
      if (!isRecord(b) || b.type !== 'text' || typeof b.text !== 'string') {
        throw new TranslationError(`system[${i}] must be a text block`, { param: `system[${i}]` });
      }
      return b.text;
    });
    if (texts.length > 0) out.push({ role: 'system', content: texts.join('\n') });
  }
  const list = requireArray<unknown>(messages, 'messages');
  for (let i = 0; i < list.length; i++) {
    const msg = list[i];
    const param = `messages[${i}]`;
    if (!isRecord(msg)) throw new TranslationError(`${param} must be an object`, { param });
    const blocks: AnthropicContentBlock[] =
      typeof msg.content === 'string'
        ? [{ type: 'text', text: msg.content }]
        : requireArray<AnthropicContentBlock>(msg.content, `${param}.content`);
    if (msg.role === 'user') userMessages(blocks, param, out);
    else if (msg.role === 'assistant') out.push(assistantMessage(blocks, param, names));
    else throw new TranslationError(`${param}.role must be user or assistant`, { param: `${param}.role` });
  }
  return out;
}
