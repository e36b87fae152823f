/**
 * Provider error bodies (OpenAI, Anthropic, Google, plain text) → one normalised error → each front door's shape.
 */
import type { AnthropicErrorBody } from './types/anthropic.js';
import type { OpenAiErrorBody } from './types/openai.js';
import { isRecord } from './translation-error.js';

/** Protocol-neutral error kinds; each maps to one OpenAI type and one Anthropic type. */
export type ErrorCategory =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'overloaded'
  | 'timeout'
  | 'server';

/** An upstream error reduced to what both front doors need. */
export interface NormalizedError {
  /** Upstream HTTP status, or the category's usual status when the error arrived inside a 200 stream. */
  status: number;
  category: ErrorCategory;
  message: string;
  /** Provider code (OpenAI `code`, Google `status`), or null. */
  code: string | null;
  param: string | null;
}

const CATEGORY_STATUS: Readonly<Record<ErrorCategory, number>> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  overloaded: 529,
  timeout: 504,
  server: 500,
};

const TYPE_CATEGORY: Readonly<Record<string, ErrorCategory>> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  permission_error: 'permission',
  billing_error: 'permission',
  not_found_error: 'not_found',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  insufficient_quota: 'rate_limit',
  overloaded_error: 'overloaded',
  timeout_error: 'timeout',
  api_error: 'server',
  server_error: 'server',
  // Google RPC status names.
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'server',
};

function categoryFromStatus(status: number | undefined): ErrorCategory {
  switch (status) {
    case 401:
      return 'authentication';
    case 402:
    case 403:
      return 'permission';
    case 404:
      return 'not_found';
    case 408:
    case 504:
      return 'timeout';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit';
    case 503:
    case 529:
      return 'overloaded';
    default:
      if (status !== undefined && status >= 400 && status < 500) return 'invalid_request';
      return 'server';
  }
}

function str(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function decodeBody(body: unknown): unknown {
  if (body instanceof Uint8Array) body = Buffer.from(body).toString('utf8');
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Normalises an upstream error body; `status` is absent for errors delivered inside a 200 stream. */
export function parseProviderError(body: unknown, status?: number): NormalizedError {
  let parsed = decodeBody(body);
  // Google streams (and some proxies) wrap the error in a one-element array.
  if (Array.isArray(parsed) && parsed.length > 0) parsed = parsed[0];
  let message: string | null = null;
  let type: string | null = null;
  let code: string | null = null;
  let param: string | null = null;
  if (isRecord(parsed)) {
    const inner = parsed.error;
    if (isRecord(inner)) {
      message = str(inner.message);
      // Google errors: `code` is the HTTP status number, `status` the RPC status name worth keeping.
      const rpcStatus = typeof inner.status === 'string' ? inner.status : null;
      type = str(inner.type) ?? rpcStatus;
      code = rpcStatus ?? str(inner.code);
      param = str(inner.param);
    } else {
      message = str(inner) ?? str(parsed.message) ?? str(parsed.detail);
      type = str(parsed.type) === 'error' ? null : str(parsed.type);
    }
  } else if (typeof parsed === 'string' && parsed.trim().length > 0) {
    // Non-JSON bodies (an HTML page from a proxy) are truncated: they can be huge and are rarely useful.
    message = parsed.trim().slice(0, 500);
  }
  const category = (type !== null && TYPE_CATEGORY[type]) || categoryFromStatus(status);
  return {
    status: status ?? CATEGORY_STATUS[category],
    category,
    message: message ?? `upstream returned HTTP ${status ?? CATEGORY_STATUS[category]}`,
    code,
    param,
  };
}

const OPENAI_TYPE: Readonly<Record<ErrorCategory, string>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  overloaded: 'server_error',
  timeout: 'timeout_error',
  server: 'server_error',
};

const ANTHROPIC_TYPE: Readonly<Record<ErrorCategory, string>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
  server: 'api_error',
};

/** Renders an OpenAI-shaped error body. */
export function toOpenAiError(err: NormalizedError): OpenAiErrorBody {
  const code = err.code ?? (err.category === 'overloaded' ? 'overloaded' : null);
  return { error: { message: err.message, type: OPENAI_TYPE[err.category], code, param: err.param } };
}

/** Renders an Anthropic-shaped error body (also the stream `error` event payload). */
export function toAnthropicError(err: NormalizedError): AnthropicErrorBody {
  return { type: 'error', error: { type: ANTHROPIC_TYPE[err.category], message: err.message } };
}

/** HTTP status for an OpenAI client: Anthropic's non-standard 529 becomes 503, which OpenAI SDKs retry. */
export function openAiErrorStatus(err: NormalizedError): number {
  return err.status === 529 ? 503 : err.status;
}

/** HTTP status for an Anthropic client: an overloaded upstream is reported as Anthropic's own 529. */
export function anthropicErrorStatus(err: NormalizedError): number {
  return err.category === 'overloaded' ? 529 : err.status;
}

/** The error a translator reports when the upstream stream ends before its protocol's terminal event. */
export function streamTruncatedError(detail: string): NormalizedError {
  return {
    status: 502,
    category: 'server',
    message: `upstream stream ended before completion: ${detail}`,
    code: 'upstream_stream_truncated',
    param: null,
  };
}

/** The error a translator reports for a stream event it cannot parse. */
function streamProtocolError(detail: string): NormalizedError {
  return { status: 502, category: 'server', message: detail, code: 'upstream_protocol_error', param: null };
}

/** The protocol error for an SSE event whose data is not JSON (only the start is quoted: it may be huge). */
export function nonJsonEventError(data: string): NormalizedError {
  return streamProtocolError(`upstream sent a non-JSON SSE event: ${data.slice(0, 100)}`);
}
