export type * from './types/openai.js';
export type * from './types/anthropic.js';
export type * from './types/gemini.js';
export { TranslationError } from './translation-error.js';
export type { StreamSink } from './stream-sink.js';
export { openAiToAnthropicRequest } from './openai-to-anthropic-request.js';
export type { OpenAiToAnthropicOptions } from './openai-to-anthropic-request.js';
export { anthropicToOpenAiResponse } from './anthropic-to-openai-response.js';
export type { AnthropicToOpenAiResponseOptions } from './anthropic-to-openai-response.js';
export { AnthropicToOpenAiStream } from './anthropic-stream-to-openai.js';
export type { AnthropicToOpenAiStreamOptions } from './anthropic-stream-to-openai.js';
export { anthropicToOpenAiRequest } from './anthropic-to-openai-request.js';
export type {
  AnthropicToOpenAiRequestOptions,
  AnthropicToOpenAiRequestResult,
} from './anthropic-to-openai-request.js';
export { openAiToAnthropicResponse } from './openai-to-anthropic-response.js';
export type { OpenAiToAnthropicResponseOptions } from './openai-to-anthropic-response.js';
export { OpenAiToAnthropicStream } from './openai-stream-to-anthropic.js';
export type { OpenAiToAnthropicStreamOptions } from './openai-stream-to-anthropic.js';
export { openAiToGeminiRequest } from './openai-to-gemini-request.js';
export { geminiToOpenAiResponse } from './gemini-to-openai-response.js';
export type { GeminiToOpenAiResponseOptions } from './gemini-to-openai-response.js';
export { GeminiToOpenAiStream } from './gemini-stream-to-openai.js';
export type { GeminiToOpenAiStreamOptions } from './gemini-stream-to-openai.js';
export {
  anthropicUsageToOpenAi,
  geminiUsageToOpenAi,
  normalizeOpenAiUsage,
  openAiUsageToAnthropic,
} from './usage.js';
export {
  parseProviderError,
  toOpenAiError,
  toAnthropicError,
  openAiErrorStatus,
  anthropicErrorStatus,
  streamTruncatedError,
} from './provider-errors.js';
export type { ErrorCategory, NormalizedError } from './provider-errors.js';
export { withIncludeUsage, stripUsageChunk, stripUsageData } from './stream-usage.js';
export type { IncludeUsageResult } from './stream-usage.js';
export { shortenToolName, MAX_TOOL_NAME_LENGTH } from './tool-names.js';
export type { ToolNameMap } from './tool-names.js';
