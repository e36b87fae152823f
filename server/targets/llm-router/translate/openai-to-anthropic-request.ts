/** OpenAI Chat request → Anthropic Messages request (llm-gateway-peers §4.1). */
import type { AnthropicRequest, AnthropicTool, AnthropicToolChoice } from './types/anthropic.js';
import type { OpenAiChatRequest } from './types/openai.js';
import { openAiMessagesToAnthropic } from './openai-messages-to-anthropic.js';
import { isRecord, requireArray, requireString, TranslationError } from './translation-error.js';

/** Options for {@link openAiToAnthropicRequest}. */
export interface OpenAiToAnthropicOptions {
  /** Upstream model name after mapping; defaults to the request's `model`. */
  model?: string;
  /** `max_tokens` when the client sent none (Anthropic requires it); default 4096, as LiteLLM and Higress use. */
  defaultMaxTokens?: number;
  /** OpenAI allows temperature up to 2, Anthropic up to 1: `clamp` (default, as Portkey) or `reject` (as Envoy). */
  temperature?: 'clamp' | 'reject';
}

/** Thinking budgets per `reasoning_effort`; 1024 is Anthropic's minimum budget. */
const THINKING_BUDGET: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096 };
const DEFAULT_MAX_TOKENS = 4096;

function positiveInt(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TranslationError(`${param} must be a positive integer`, { param });
  }
  return value;
}

function rejectUnsupported(req: OpenAiChatRequest): void {
  if (req.n !== undefined && req.n !== null && req.n !== 1) {
    throw new TranslationError('n > 1 is not supported by Anthropic models', {
      param: 'n',
      code: 'unsupported_parameter',
    });
  }
  if (req.logprobs === true || (req.top_logprobs !== undefined && req.top_logprobs !== null)) {
    throw new TranslationError('logprobs are not supported by Anthropic models', {
      param: 'logprobs',
      code: 'unsupported_parameter',
    });
  }
  if (isRecord(req.response_format) && req.response_format.type === 'json_schema') {
    throw new TranslationError('response_format json_schema is not supported by Anthropic models', {
      param: 'response_format',
      code: 'unsupported_parameter',
    });
  }
}

function convertTools(tools: unknown): AnthropicTool[] {
  return requireArray<unknown>(tools, 'tools').map((tool, i) => {
    const p = `tools[${i}]`;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
      throw new TranslationError(`${p} must be a function tool`, { param: p });
    }
    const fn = tool.function;
    const schema = isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} };
    if (schema.type !== undefined && schema.type !== 'object') {
      const param = `${p}.function.parameters`;
      throw new TranslationError(`${param} must describe an object`, { param });
    }
    const out: AnthropicTool = {
      name: requireString(fn.name, `${p}.function.name`),
      input_schema: schema.type === undefined ? { type: 'object', ...schema } : schema,
    };
    if (typeof fn.description === 'string') out.description = fn.description;
    return out;
  });
}

function convertToolChoice(req: OpenAiChatRequest): AnthropicToolChoice | undefined {
  const choice = req.tool_choice;
  let out: AnthropicToolChoice | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isRecord(choice) && isRecord(choice.function)) {
    out = { type: 'tool', name: requireString(choice.function.name, 'tool_choice.function.name') };
  } else if (choice !== undefined && choice !== null) {
    const message = 'tool_choice must be auto, none, required or a named function';
    throw new TranslationError(message, { param: 'tool_choice' });
  }
  if (req.parallel_tool_calls === false && out?.type !== 'none') {
    out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return out;
}

function samplingFields(req: OpenAiChatRequest, out: AnthropicRequest, policy: 'clamp' | 'reject'): void {
  const t = req.temperature;
  if (t !== undefined && t !== null) {
    if (typeof t !== 'number' || t < 0 || t > 2) {
      throw new TranslationError('temperature must be a number between 0 and 2', { param: 'temperature' });
    }
    if (t > 1 && policy === 'reject') {
      const message = 'temperature above 1 is not supported by Anthropic models';
      throw new TranslationError(message, { param: 'temperature' });
    }
    out.temperature = Math.min(t, 1);
  }
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (typeof req.top_k === 'number') out.top_k = req.top_k;
}

function stopSequences(stop: unknown): string[] {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return stop as string[];
  throw new TranslationError('stop must be a string or an array of strings', { param: 'stop' });
}

/** Translates a request; throws {@link TranslationError} (400) for input Anthropic cannot express. */
export function openAiToAnthropicRequest(
  req: OpenAiChatRequest,
  options: OpenAiToAnthropicOptions = {},
): AnthropicRequest {
  if (!isRecord(req)) throw new TranslationError('request body must be a JSON object', { param: null });
  rejectUnsupported(req);
  const { system, messages } = openAiMessagesToAnthropic(req.messages);
  const effort = req.reasoning_effort;
  const budget = typeof effort === 'string' ? THINKING_BUDGET[effort] : undefined;
  const asked =
    positiveInt(req.max_completion_tokens, 'max_completion_tokens') ?? positiveInt(req.max_tokens, 'max_tokens');
  const out: AnthropicRequest = {
    model: options.model ?? requireString(req.model, 'model'),
    messages,
    max_tokens: asked ?? (options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS) + (budget ?? 0),
  };
  if (system.length > 0) out.system = system;
  if (budget !== undefined) {
    // Anthropic requires budget_tokens < max_tokens and rejects custom sampling while thinking.
    if (out.max_tokens <= budget) {
      const message = `max_tokens must exceed the ${budget}-token thinking budget of reasoning_effort '${effort}'`;
      throw new TranslationError(message, { param: 'max_tokens' });
    }
    out.thinking = { type: 'enabled', budget_tokens: budget };
  } else {
    samplingFields(req, out, options.temperature ?? 'clamp');
  }
  if (req.stop !== undefined && req.stop !== null) out.stop_sequences = stopSequences(req.stop);
  if (req.tools !== undefined && req.tools !== null) out.tools = convertTools(req.tools);
  const choice = convertToolChoice(req);
  if (choice !== undefined) out.tool_choice = choice;
  if (typeof req.user === 'string') out.metadata = { user_id: req.user };
  if (req.stream === true) out.stream = true;
  return out;
}
