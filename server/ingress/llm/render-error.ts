import type { ServerResponse } from 'node:http';
import { writeJsonError, type GatewayError } from '../../errors/index.js';
import { normalizedOf } from '../../targets/llm-router/router/index.js';
import type { ClientProtocol } from '../../targets/llm-router/router/index.js';
import { anthropicErrorStatus, openAiErrorStatus, toAnthropicError, toOpenAiError } from '../../targets/llm-router/translate/index.js';

/**
 * Writes an error in the shape of the API the client called (OpenAI `{error:{message,type,code,param}}` or
 * Anthropic `{type:"error",error:{type,message}}`), so SDKs raise their own typed errors. After headers went out
 * the stream has already written its error event; the socket is destroyed so the cut is visible.
 */
export function renderLlmError(res: ServerResponse, err: GatewayError, reply: { protocol: ClientProtocol; requestId: string }): void {
  const { protocol, requestId } = reply;
  const n = normalizedOf(err);
  const body = protocol === 'anthropic' ? toAnthropicError(n) : toOpenAiError(n);
  const status = protocol === 'anthropic' ? anthropicErrorStatus(n) : openAiErrorStatus(n);
  writeJsonError(res, err, { status, body, requestId });
}
