/**
 * Collects the countable text of a request body: OpenAI chat (`messages`, `tools`), Anthropic Messages
 * (`system`, content blocks) or embeddings (`input`). Unknown shapes contribute what text they hold.
 */

/** Text and structure counts gathered from a request. */
export interface PromptText {
  /** All countable text, concatenated. */
  text: string;
  /** Number of conversation messages (each costs a few framing tokens). */
  messages: number;
  /** Number of image parts/blocks (counted at a flat rate, never by their bytes). */
  images: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function addContent(acc: PromptText, content: unknown): void {
  if (typeof content === 'string') {
    acc.text += content;
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (!isObject(part)) continue;
    switch (part.type) {
      case 'text':
        if (typeof part.text === 'string') acc.text += part.text;
        break;
      case 'image_url':
      case 'image':
        acc.images++;
        break;
      case 'tool_use':
        acc.text += typeof part.name === 'string' ? part.name : '';
        acc.text += JSON.stringify(part.input ?? {});
        break;
      case 'tool_result':
        addContent(acc, part.content);
        break;
      default:
        // Documents, audio and files are not estimated from their base64 bytes, which would wildly overcount.
        break;
    }
  }
}

function addMessage(acc: PromptText, msg: unknown): void {
  if (!isObject(msg)) return;
  acc.messages++;
  if (typeof msg.role === 'string') acc.text += msg.role;
  if (typeof msg.name === 'string') acc.text += msg.name;
  addContent(acc, msg.content);
  if (Array.isArray(msg.tool_calls)) {
    for (const call of msg.tool_calls) {
      if (!isObject(call) || !isObject(call.function)) continue;
      if (typeof call.function.name === 'string') acc.text += call.function.name;
      if (typeof call.function.arguments === 'string') acc.text += call.function.arguments;
    }
  }
}

/** Walks a request body (any of the supported shapes) and gathers its text. */
export function collectPromptText(request: unknown): PromptText {
  const acc: PromptText = { text: '', messages: 0, images: 0 };
  if (!isObject(request)) return acc;
  if (typeof request.system === 'string') acc.text += request.system;
  else addContent(acc, request.system);
  if (Array.isArray(request.messages)) for (const msg of request.messages) addMessage(acc, msg);
  // Tool definitions are sent to the model as text too; their JSON length is a fair proxy.
  if (Array.isArray(request.tools) && request.tools.length > 0) acc.text += JSON.stringify(request.tools);
  const input = request.input;
  if (typeof input === 'string') acc.text += input;
  else if (Array.isArray(input)) for (const item of input) if (typeof item === 'string') acc.text += item;
  if (typeof request.prompt === 'string') acc.text += request.prompt;
  return acc;
}
