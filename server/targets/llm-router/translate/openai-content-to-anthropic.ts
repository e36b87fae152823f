/** OpenAI message content (string or parts) → Anthropic content blocks. */
import type {
  AnthropicCacheControl,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicTextBlock,
} from './types/anthropic.js';
import type { OpenAiContentPart } from './types/openai.js';
import { parseDataUrl } from './media.js';
import { isRecord, TranslationError } from './translation-error.js';

/** Blocks a user or system turn can be built from. */
export type AnthropicInputBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock;

function imageBlock(url: unknown, param: string): AnthropicImageBlock {
  if (typeof url !== 'string') throw new TranslationError(`${param}.image_url.url must be a string`, { param });
  const data = parseDataUrl(url);
  if (data !== null) return { type: 'image', source: { type: 'base64', media_type: data.mimeType, data: data.data } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new TranslationError(`${param}.image_url.url must be a base64 data URL or an http(s) URL`, { param });
}

function documentBlock(file: unknown, param: string): AnthropicDocumentBlock {
  const data = isRecord(file) && typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : null;
  if (data === null) {
    throw new TranslationError(`${param}.file must carry file_data as a base64 data URL (file_id is not supported)`, {
      param,
    });
  }
  const block: AnthropicDocumentBlock = {
    type: 'document',
    source: { type: 'base64', media_type: data.mimeType, data: data.data },
  };
  if (isRecord(file) && typeof file.filename === 'string') block.title = file.filename;
  return block;
}

function partToBlock(part: unknown, param: string): AnthropicInputBlock | null {
  if (!isRecord(part)) throw new TranslationError(`${param} must be an object`, { param });
  let block: AnthropicInputBlock;
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw new TranslationError(`${param}.text must be a string`, { param });
      // Anthropic rejects empty text blocks.
      if (part.text.length === 0) return null;
      block = { type: 'text', text: part.text };
      break;
    case 'image_url':
      block = imageBlock(isRecord(part.image_url) ? part.image_url.url : undefined, param);
      break;
    case 'file':
      block = documentBlock(part.file, param);
      break;
    default:
      throw new TranslationError(`${param}.type '${String(part.type)}' is not supported for this provider`, {
        param: `${param}.type`,
      });
  }
  // LiteLLM-style clients put Anthropic's cache_control on OpenAI parts; keeping it keeps prompt caching working.
  if (isRecord(part.cache_control)) block.cache_control = part.cache_control as unknown as AnthropicCacheControl;
  return block;
}

/** Converts message content to blocks; `param` is the JSON path used in errors. */
export function contentToBlocks(content: unknown, param: string): AnthropicInputBlock[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content.length === 0 ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new TranslationError(`${param} must be a string or an array`, { param });
  const blocks: AnthropicInputBlock[] = [];
  for (let i = 0; i < content.length; i++) {
    const block = partToBlock(content[i] as OpenAiContentPart, `${param}[${i}]`);
    if (block !== null) blocks.push(block);
  }
  return blocks;
}

/** Converts content that may only hold text (system prompts, tool results) to text blocks. */
export function contentToTextBlocks(content: unknown, param: string): AnthropicTextBlock[] {
  const blocks = contentToBlocks(content, param);
  for (const block of blocks) {
    if (block.type !== 'text') throw new TranslationError(`${param} may only contain text parts`, { param });
  }
  return blocks as AnthropicTextBlock[];
}
