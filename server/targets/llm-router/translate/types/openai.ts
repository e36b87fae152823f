/**
 * Minimal local shapes of the OpenAI Chat Completions wire format: only the fields the translators read or write.
 * Runtime code never imports the `openai` package; tests check these against its types at compile time.
 */

/** A text content part. */
export interface OpenAiTextPart {
  type: 'text';
  text: string;
}

/** An image content part: a `data:` URL or an http(s) URL. */
export interface OpenAiImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

/** A file content part (PDF and similar) carried inline as a data URL. */
export interface OpenAiFilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

/** Any user/system content part the translators understand. */
export type OpenAiContentPart = OpenAiTextPart | OpenAiImagePart | OpenAiFilePart;

/** Google's OpenAI-compatible extension carrying a Gemini thought signature on a tool call. */
export interface OpenAiToolCallExtra {
  google?: { thought_signature?: string };
}

/** A complete tool call as found in messages and non-stream responses. */
export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  extra_content?: OpenAiToolCallExtra;
}

/** Roles a chat message may have. */
export type OpenAiRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/** One chat message in a request. */
export interface OpenAiMessage {
  role: OpenAiRole;
  content?: string | OpenAiContentPart[] | null;
  name?: string;
  tool_calls?: OpenAiToolCall[];
  tool_call_id?: string;
  reasoning_content?: string | null;
}

/** A function tool definition. */
export interface OpenAiTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

/** The `tool_choice` request field. */
export type OpenAiToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } };

/** The `response_format` request field. */
export interface OpenAiResponseFormat {
  type: 'text' | 'json_object' | 'json_schema';
  json_schema?: { name: string; schema?: Record<string, unknown>; strict?: boolean | null; description?: string };
}

/** Reasoning effort levels accepted by `reasoning_effort`. */
export type OpenAiReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

/** A Chat Completions request body. */
export interface OpenAiChatRequest {
  model: string;
  messages: OpenAiMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  /** Non-standard, but accepted by several OpenAI-compatible servers (vLLM, Together). */
  top_k?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: OpenAiTool[];
  tool_choice?: OpenAiToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  reasoning_effort?: OpenAiReasoningEffort | null;
  response_format?: OpenAiResponseFormat;
}

/** Usage in the OpenAI convention: cached inside prompt, reasoning inside completion. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number; audio_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number };
}

/** Finish reasons a choice may end with. */
export type OpenAiFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** The assistant message of a non-stream choice. */
export interface OpenAiResponseMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: OpenAiToolCall[];
  /** Non-standard reasoning text (DeepSeek / LiteLLM convention); never merged into `content`. */
  reasoning_content?: string;
}

/** One choice of a non-stream response. */
export interface OpenAiChoice {
  index: number;
  message: OpenAiResponseMessage;
  finish_reason: OpenAiFinishReason;
  logprobs: null;
}

/** A non-stream Chat Completions response. */
export interface OpenAiChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: OpenAiChoice[];
  usage?: OpenAiUsage;
}

/** One tool-call fragment inside a stream delta; `id`, `type` and `name` only on the first fragment. */
export interface OpenAiToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
  extra_content?: OpenAiToolCallExtra;
}

/** The delta of a stream chunk choice. */
export interface OpenAiDelta {
  role?: 'assistant';
  content?: string | null;
  reasoning_content?: string;
  tool_calls?: OpenAiToolCallDelta[];
  refusal?: string | null;
}

/** One choice of a stream chunk. */
export interface OpenAiChunkChoice {
  index: number;
  delta: OpenAiDelta;
  finish_reason: OpenAiFinishReason | null;
  logprobs?: null;
}

/** A `chat.completion.chunk` stream object. */
export interface OpenAiChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: OpenAiChunkChoice[];
  usage?: OpenAiUsage | null;
}

/** An OpenAI-shaped error body. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}
