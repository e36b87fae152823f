/**
 * Collects the countable text of a request body: OpenAI chat (`messages`, `tools`, `response_format`), Responses
 * (`instructions`, `input` strings, messages and items), Anthropic Messages (`system`, content blocks, documents)
 * and embeddings (`input`). Whatever reaches the model counts: a field this walker does not know is counted as
 * its JSON text, and only fields that are settings rather than prompt (SETTINGS) are skipped.
 */

/** Text and structure counts gathered from a request. */
export interface PromptText {
  /** Every countable text field, one entry per field. */
  texts: string[];
  /** Number of conversation messages (each costs a few framing tokens). */
  messages: number;
  /** Number of image parts/blocks (counted at a flat rate, never by their bytes). */
  images: number;
  /** Tokens charged for documents, files and audio sent as data (by size: a rate, not a bound). */
  mediaTokens: number;
  /** Token ids sent as such (embeddings `input` may be arrays of token ids). */
  tokenIds: number;
}

/** Top-level fields that tune the call but never reach the model as prompt. */
const SETTINGS = new Set([
  'model', 'stream', 'stream_options', 'metadata', 'user', 'store', 'n', 'seed', 'temperature', 'top_p', 'top_k',
  'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'logprobs', 'top_logprobs', 'frequency_penalty',
  'presence_penalty', 'logit_bias', 'parallel_tool_calls', 'service_tier', 'safety_identifier', 'prompt_cache_key',
  'prompt_cache_retention', 'truncation', 'include', 'background', 'stop', 'stop_sequences', 'tool_choice',
  'modalities', 'audio', 'reasoning', 'reasoning_effort', 'verbosity', 'thinking', 'encoding_format', 'dimensions',
  'previous_response_id', 'conversation', 'container', 'context_management', 'betas',
]);
/** Message fields that are ids or markers, not text. */
const MESSAGE_IDS = new Set(['role', 'content', 'tool_calls', 'type', 'id', 'status', 'call_id', 'tool_call_id']);
/** A document, file or audio clip sent as data: at least one page's worth, then one token per 8 decoded bytes. */
const MEDIA_MIN_TOKENS = 1_600;
const MEDIA_BYTES_PER_TOKEN = 8;
/** Deeper nesting than this is counted as JSON text instead of walked (bounds the recursion). */
const MAX_DEPTH = 8;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function addText(acc: PromptText, value: unknown): void {
  if (typeof value === 'string') acc.texts.push(value);
}

/** Counts a value of a shape the walker does not know as its JSON text (keys, strings, structure). */
function addJson(acc: PromptText, value: unknown): void {
  if (value === undefined || value === null) return;
  acc.texts.push(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Charges a base64 payload (or a data: URL) by its decoded size. */
function addMedia(acc: PromptText, data: unknown): void {
  const length = typeof data === 'string' ? data.length : 0;
  acc.mediaTokens += Math.max(MEDIA_MIN_TOKENS, Math.ceil((length * 3) / 4 / MEDIA_BYTES_PER_TOKEN));
}

function addDocument(acc: PromptText, part: Record<string, unknown>, depth: number): void {
  addText(acc, part.title);
  addText(acc, part.context);
  const source = isObject(part.source) ? part.source : {};
  if (source.type === 'text') addText(acc, source.data);
  else if (source.type === 'content') addContent(acc, source.content, depth + 1);
  else addMedia(acc, source.data);
}

function addPart(acc: PromptText, part: Record<string, unknown>, depth: number): void {
  switch (part.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
    case 'summary_text':
      return addText(acc, part.text);
    case 'refusal':
      return addText(acc, part.refusal);
    case 'thinking':
      return addText(acc, part.thinking);
    case 'image_url':
    case 'image':
    case 'input_image':
      acc.images++;
      return;
    case 'document':
      return addDocument(acc, part, depth);
    case 'file':
    case 'input_file':
      addText(acc, part.filename);
      return addMedia(acc, isObject(part.file) ? part.file.file_data : part.file_data);
    case 'input_audio':
      return addMedia(acc, isObject(part.input_audio) ? part.input_audio.data : undefined);
    case 'tool_use':
    case 'server_tool_use':
      addText(acc, part.name);
      return addJson(acc, part.input ?? {});
    case 'tool_result':
      return addContent(acc, part.content, depth + 1);
    default:
      // Citations, search results, redacted thinking, parts of later API versions: all reach the model.
      return addJson(acc, part);
  }
}

function addContent(acc: PromptText, content: unknown, depth = 0): void {
  if (typeof content === 'string') return addText(acc, content);
  if (depth > MAX_DEPTH) return addJson(acc, content);
  if (!Array.isArray(content)) return addJson(acc, content);
  for (const part of content) {
    if (typeof part === 'string') addText(acc, part);
    else if (isObject(part)) addPart(acc, part, depth);
  }
}

function addMessage(acc: PromptText, msg: Record<string, unknown>): void {
  acc.messages++;
  addText(acc, msg.role);
  addContent(acc, msg.content);
  if (Array.isArray(msg.tool_calls)) {
    for (const call of msg.tool_calls) {
      if (!isObject(call) || !isObject(call.function)) continue;
      addText(acc, call.function.name);
      addText(acc, call.function.arguments);
    }
  }
  // name, refusal, reasoning_content, function_call and any newer field.
  for (const [key, value] of Object.entries(msg)) if (!MESSAGE_IDS.has(key)) addJson(acc, value);
}

/** One item of a Responses `input` array (or of `messages`): a message, a tool call or its output, a string. */
function addItem(acc: PromptText, item: unknown): void {
  if (typeof item === 'string') return addText(acc, item);
  if (typeof item === 'number') return void acc.tokenIds++;
  if (Array.isArray(item)) return void (acc.tokenIds += item.length);
  if (!isObject(item)) return;
  switch (item.type) {
    case undefined:
    case 'message':
      return addMessage(acc, item);
    case 'function_call':
      addText(acc, item.name);
      return addText(acc, item.arguments);
    case 'function_call_output':
      return addContent(acc, item.output);
    case 'reasoning':
      addContent(acc, item.summary);
      return addText(acc, item.encrypted_content);
    default:
      return addJson(acc, item);
  }
}

/** Walks a request body (any of the supported shapes) and gathers its text. */
export function collectPromptText(request: unknown): PromptText {
  const acc: PromptText = { texts: [], messages: 0, images: 0, mediaTokens: 0, tokenIds: 0 };
  if (!isObject(request)) return acc;
  for (const [key, value] of Object.entries(request)) {
    if (SETTINGS.has(key)) continue;
    if (key === 'system' || key === 'instructions') addContent(acc, value);
    else if (key === 'messages' || key === 'input') {
      if (Array.isArray(value)) for (const item of value) addItem(acc, item);
      else addContent(acc, value);
    } else if (key === 'prompt') addContent(acc, value);
    // tools, functions, response_format, text (Responses output schema) and unknown fields: their JSON text.
    else addJson(acc, value);
  }
  return acc;
}
