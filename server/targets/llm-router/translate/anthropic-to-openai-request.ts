/** Anthropic Messages request (client used `/v1/messages`) → OpenAI Chat request (llm-gateway-peers §4.4). */
import type { AnthropicRequest } from './types/anthropic.js';
import type { OpenAiChatRequest, OpenAiReasoningEffort, OpenAiTool, OpenAiToolChoice } from './types/openai.js';
import { anthropicMessagesToOpenAi } from './anthropic-messages-to-openai.js';
import { registerToolName, type ToolNameMap } from './tool-names.js';
import { isRecord, requireArray, requireString, TranslationError } from './translation-error.js';

/** The translated request plus what the response translators need to undo. */
export interface AnthropicToOpenAiRequestResult {
  request: OpenAiChatRequest;
  /** Shortened tool names → original names; pass to the response and stream translators. */
  toolNames: ToolNameMap;
}

/** Options for {@link anthropicToOpenAiRequest}. */
export interface AnthropicToOpenAiRequestOptions {
  /** Upstream model name after mapping; defaults to the request's `model`. */
  model?: string;
}

function convertTools(tools: unknown, names: Map<string, string>): OpenAiTool[] {
  return requireArray<unknown>(tools, 'tools').map((tool, i) => {
    const p = `tools[${i}]`;
    if (!isRecord(tool)) throw new TranslationError(`${p} must be an object`, { param: p });
    // Server tools (web_search_20250305, bash_…) run inside Anthropic; no OpenAI-compatible upstream has them.
    if (tool.type !== undefined && tool.type !== 'custom') {
      throw new TranslationError(`${p}: server tool '${String(tool.type)}' is not supported by this provider`, {
        param: `${p}.type`,
        code: 'unsupported_parameter',
      });
    }
    const name = registerToolName(names, requireString(tool.name, `${p}.name`));
    const fn: OpenAiTool['function'] = { name };
    if (typeof tool.description === 'string') fn.description = tool.description;
    if (isRecord(tool.input_schema)) fn.parameters = tool.input_schema;
    return { type: 'function', function: fn };
  });
}

function convertToolChoice(choice: unknown, names: Map<string, string>): OpenAiToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (!isRecord(choice)) throw new TranslationError('tool_choice must be an object', { param: 'tool_choice' });
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool': {
      const name = registerToolName(names, requireString(choice.name, 'tool_choice.name'));
      return { type: 'function', function: { name } };
    }
    default:
      throw new TranslationError('tool_choice.type must be auto, any, none or tool', { param: 'tool_choice.type' });
  }
}

function effortFor(budget: number): OpenAiReasoningEffort {
  if (budget <= 1024) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

/** Translates a request; throws {@link TranslationError} (400) on malformed input. */
export function anthropicToOpenAiRequest(
  req: AnthropicRequest,
  options: AnthropicToOpenAiRequestOptions = {},
): AnthropicToOpenAiRequestResult {
  if (!isRecord(req)) throw new TranslationError('request body must be a JSON object', { param: null });
  const names = new Map<string, string>();
  const out: OpenAiChatRequest = {
    model: options.model ?? requireString(req.model, 'model'),
    messages: anthropicMessagesToOpenAi(req.system, req.messages, names),
  };
  if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 1) {
    throw new TranslationError('max_tokens must be a positive integer', { param: 'max_tokens' });
  }
  out.max_tokens = req.max_tokens;
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (req.tools !== undefined) out.tools = convertTools(req.tools, names);
  const choice = convertToolChoice(req.tool_choice, names);
  if (choice !== undefined) out.tool_choice = choice;
  if (isRecord(req.tool_choice) && req.tool_choice.disable_parallel_tool_use === true) {
    out.parallel_tool_calls = false;
  }
  if (isRecord(req.metadata) && typeof req.metadata.user_id === 'string') out.user = req.metadata.user_id;
  if (isRecord(req.thinking) && req.thinking.type === 'enabled' && typeof req.thinking.budget_tokens === 'number') {
    out.reasoning_effort = effortFor(req.thinking.budget_tokens);
  }
  if (req.stream === true) {
    out.stream = true;
    // Anthropic clients always get usage in message_delta, so it is always requested upstream.
    out.stream_options = { include_usage: true };
  }
  return { request: out, toolNames: names };
}
