/** OpenAI message content and tool calls → Gemini parts. */
import type { GeminiPart } from './types/gemini.js';
import { guessMimeType, parseDataUrl } from './media.js';
import { isRecord, parseToolArguments, requireArray, requireString, TranslationError } from './translation-error.js';

function mediaPart(url: unknown, param: string): GeminiPart {
  if (typeof url !== 'string') throw new TranslationError(`${param} must be a string URL`, { param });
  const data = parseDataUrl(url);
  if (data !== null) return { inlineData: { mimeType: data.mimeType, data: data.data } };
  if (/^(https?|gs):\/\//i.test(url)) return { fileData: { mimeType: guessMimeType(url), fileUri: url } };
  throw new TranslationError(`${param} must be a base64 data URL, an http(s) URL or a gs:// URI`, { param });
}

/** Converts string or part-array content to Gemini parts. */
export function geminiContentParts(content: unknown, param: string): GeminiPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: GeminiPart[] = [];
  const list = requireArray<unknown>(content, param);
  for (let i = 0; i < list.length; i++) {
    const part = list[i];
    const p = `${param}[${i}]`;
    if (!isRecord(part)) throw new TranslationError(`${p} must be an object`, { param: p });
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') parts.push({ text: part.text });
    } else if (part.type === 'image_url' && isRecord(part.image_url)) {
      parts.push(mediaPart(part.image_url.url, `${p}.image_url.url`));
    } else if (part.type === 'file' && isRecord(part.file)) {
      parts.push(mediaPart(part.file.file_data, `${p}.file.file_data`));
    } else {
      const message = `${p}.type '${String(part.type)}' is not supported for Gemini`;
      throw new TranslationError(message, { param: `${p}.type` });
    }
  }
  return parts;
}

/** Converts assistant `tool_calls` to functionCall parts, recording id → name for later tool results. */
export function geminiToolCallParts(calls: unknown, param: string, names: Map<string, string>): GeminiPart[] {
  if (calls === undefined || calls === null) return [];
  return requireArray<unknown>(calls, param).map((call, j) => {
    const cp = `${param}[${j}]`;
    if (!isRecord(call) || !isRecord(call.function)) {
      throw new TranslationError(`${cp} must be an object`, { param: cp });
    }
    const name = requireString(call.function.name, `${cp}.function.name`);
    if (typeof call.id === 'string') names.set(call.id, name);
    const part: GeminiPart = {
      functionCall: { name, args: parseToolArguments(call.function.arguments, `${cp}.function.arguments`) },
    };
    // Gemini 3 rejects a replayed function call without its thought signature (Portkey #1442).
    const google = isRecord(call.extra_content) ? call.extra_content.google : undefined;
    if (isRecord(google) && typeof google.thought_signature === 'string') {
      part.thoughtSignature = google.thought_signature;
    }
    return part;
  });
}
