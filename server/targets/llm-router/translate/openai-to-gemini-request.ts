/** OpenAI Chat request → Gemini generateContent request (llm-gateway-peers §4.5); the model goes in the URL. */
import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequest,
} from './types/gemini.js';
import type { OpenAiChatRequest, OpenAiMessage } from './types/openai.js';
import { geminiContentParts, geminiToolCallParts } from './openai-content-to-gemini.js';
import { toGeminiSchema } from './gemini-schema.js';
import { isRecord, requireArray, requireString, TranslationError } from './translation-error.js';

/** Gemini thinking budgets per `reasoning_effort`; 0 turns thinking off where the model allows it. */
const THINKING_BUDGET: Readonly<Record<string, number>> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

function pushContent(out: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = out[out.length - 1];
  // Gemini wants alternating turns; parallel function responses in particular must share one turn.
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else out.push({ role, parts });
}

function toolResponsePart(msg: OpenAiMessage, param: string, names: Map<string, string>): GeminiPart {
  const id = requireString(msg.tool_call_id, `${param}.tool_call_id`);
  // Gemini matches responses to calls by name; resolve it from the assistant turn that made the call (Envoy).
  const name = names.get(id) ?? (typeof msg.name === 'string' ? msg.name : undefined);
  if (name === undefined) {
    throw new TranslationError(`${param}.tool_call_id '${id}' matches no earlier assistant tool call`, {
      param: `${param}.tool_call_id`,
    });
  }
  const text = geminiContentParts(msg.content, `${param}.content`)
    .map((p) => p.text ?? '')
    .join('');
  return { functionResponse: { name, response: { output: text } } };
}

function convertMessages(messages: unknown): Pick<GeminiRequest, 'contents' | 'systemInstruction'> {
  const list = requireArray<unknown>(messages, 'messages');
  const contents: GeminiContent[] = [];
  const system: GeminiPart[] = [];
  const names = new Map<string, string>();
  for (let i = 0; i < list.length; i++) {
    const param = `messages[${i}]`;
    if (!isRecord(list[i])) throw new TranslationError(`${param} must be an object`, { param });
    const msg = list[i] as OpenAiMessage;
    const content = `${param}.content`;
    if (msg.role === 'system' || msg.role === 'developer') system.push(...geminiContentParts(msg.content, content));
    else if (msg.role === 'user') pushContent(contents, 'user', geminiContentParts(msg.content, content));
    else if (msg.role === 'assistant') {
      const parts = geminiContentParts(msg.content, content);
      parts.push(...geminiToolCallParts(msg.tool_calls, `${param}.tool_calls`, names));
      pushContent(contents, 'model', parts);
    } else if (msg.role === 'tool') pushContent(contents, 'user', [toolResponsePart(msg, param, names)]);
    else {
      const message = `${param}.role '${String(msg.role)}' is not a chat role`;
      throw new TranslationError(message, { param: `${param}.role` });
    }
  }
  if (contents.length === 0) {
    throw new TranslationError('messages must contain a user message', { param: 'messages' });
  }
  return system.length > 0 ? { contents, systemInstruction: { parts: system } } : { contents };
}

function generationConfig(req: OpenAiChatRequest): GeminiGenerationConfig | undefined {
  const g: GeminiGenerationConfig = {};
  if (typeof req.temperature === 'number') g.temperature = req.temperature;
  if (typeof req.top_p === 'number') g.topP = req.top_p;
  if (typeof req.top_k === 'number') g.topK = req.top_k;
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') g.maxOutputTokens = max;
  if (typeof req.stop === 'string') g.stopSequences = [req.stop];
  else if (Array.isArray(req.stop)) g.stopSequences = req.stop;
  if (typeof req.n === 'number') g.candidateCount = req.n;
  if (typeof req.seed === 'number') g.seed = req.seed;
  if (typeof req.presence_penalty === 'number') g.presencePenalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') g.frequencyPenalty = req.frequency_penalty;
  const format = req.response_format;
  if (isRecord(format) && (format.type === 'json_object' || format.type === 'json_schema')) {
    g.responseMimeType = 'application/json';
    if (isRecord(format.json_schema?.schema)) g.responseSchema = toGeminiSchema(format.json_schema.schema);
  }
  const budget = typeof req.reasoning_effort === 'string' ? THINKING_BUDGET[req.reasoning_effort] : undefined;
  if (budget !== undefined) g.thinkingConfig = { thinkingBudget: budget, includeThoughts: budget > 0 };
  return Object.keys(g).length > 0 ? g : undefined;
}

function toolFields(req: OpenAiChatRequest, out: GeminiRequest): void {
  if (req.tools !== undefined && req.tools !== null) {
    const decls = requireArray<unknown>(req.tools, 'tools').map((tool, i) => {
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
        throw new TranslationError(`tools[${i}] must be a function tool`, { param: `tools[${i}]` });
      }
      const fn = tool.function;
      const decl: GeminiFunctionDeclaration = {
        name: requireString(fn.name, `tools[${i}].function.name`),
      };
      if (typeof fn.description === 'string') decl.description = fn.description;
      const params = toGeminiSchema(fn.parameters);
      // An object schema without properties is rejected by Gemini; a parameterless function omits it.
      if (isRecord(params.properties) && Object.keys(params.properties).length > 0) decl.parameters = params;
      return decl;
    });
    if (decls.length > 0) out.tools = [{ functionDeclarations: decls }];
  }
  const choice = req.tool_choice;
  if (choice === 'auto') out.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  else if (choice === 'none') out.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  else if (choice === 'required') out.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  else if (isRecord(choice) && isRecord(choice.function)) {
    const name = requireString(choice.function.name, 'tool_choice.function.name');
    out.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
  }
}

/** Translates a request; throws {@link TranslationError} (400) on malformed input. */
export function openAiToGeminiRequest(req: OpenAiChatRequest): GeminiRequest {
  if (!isRecord(req)) throw new TranslationError('request body must be a JSON object', { param: null });
  const out: GeminiRequest = convertMessages(req.messages);
  const config = generationConfig(req);
  if (config !== undefined) out.generationConfig = config;
  toolFields(req, out);
  return out;
}
