import { describe, expect, it } from 'vitest';
import {
  anthropicErrorStatus,
  openAiErrorStatus,
  parseProviderError,
  streamTruncatedError,
  toAnthropicError,
  toOpenAiError,
} from '../../../../../server/targets/llm-router/translate/index.js';

describe('provider error mapping', () => {
  it.each([
    [
      'OpenAI 401',
      401,
      '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
      { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key', param: null },
      { type: 'invalid_request_error', message: 'Incorrect API key provided' },
      401,
      401,
    ],
    [
      'Anthropic 529 overloaded',
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      { message: 'Overloaded', type: 'server_error', code: 'overloaded', param: null },
      { type: 'overloaded_error', message: 'Overloaded' },
      503,
      529,
    ],
    [
      'Anthropic 400',
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}',
      { message: 'max_tokens: Field required', type: 'invalid_request_error', code: null, param: null },
      { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      400,
      400,
    ],
    [
      'Gemini 429',
      429,
      '{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}',
      { message: 'Quota exceeded', type: 'rate_limit_error', code: 'RESOURCE_EXHAUSTED', param: null },
      { type: 'rate_limit_error', message: 'Quota exceeded' },
      429,
      429,
    ],
    [
      'Gemini array-wrapped 400',
      400,
      '[{"error":{"code":400,"message":"API key not valid","status":"INVALID_ARGUMENT"}}]',
      { message: 'API key not valid', type: 'invalid_request_error', code: 'INVALID_ARGUMENT', param: null },
      { type: 'invalid_request_error', message: 'API key not valid' },
      400,
      400,
    ],
    [
      'HTML from a proxy',
      502,
      '<html><body>Bad Gateway</body></html>',
      { message: '<html><body>Bad Gateway</body></html>', type: 'server_error', code: null, param: null },
      { type: 'api_error', message: '<html><body>Bad Gateway</body></html>' },
      502,
      502,
    ],
    [
      'empty 503',
      503,
      '',
      { message: 'upstream returned HTTP 503', type: 'server_error', code: 'overloaded', param: null },
      { type: 'overloaded_error', message: 'upstream returned HTTP 503' },
      503,
      529,
    ],
    [
      'string error field',
      404,
      '{"error":"model not found"}',
      { message: 'model not found', type: 'not_found_error', code: null, param: null },
      { type: 'not_found_error', message: 'model not found' },
      404,
      404,
    ],
    [
      'OpenAI param',
      400,
      { error: { message: 'bad', type: 'invalid_request_error', param: 'messages', code: null } },
      { message: 'bad', type: 'invalid_request_error', code: null, param: 'messages' },
      { type: 'invalid_request_error', message: 'bad' },
      400,
      400,
    ],
    [
      'bytes body, 413',
      413,
      Buffer.from('{"type":"error","error":{"type":"request_too_large","message":"too big"}}'),
      { message: 'too big', type: 'invalid_request_error', code: null, param: null },
      { type: 'request_too_large', message: 'too big' },
      413,
      413,
    ],
  ])('%s', (_n, status, body, openai, anthropic, oStatus, aStatus) => {
    const err = parseProviderError(body, status);
    expect(toOpenAiError(err)).toEqual({ error: openai });
    expect(toAnthropicError(err)).toEqual({ type: 'error', error: anthropic });
    expect(openAiErrorStatus(err)).toBe(oStatus);
    expect(anthropicErrorStatus(err)).toBe(aStatus);
  });

  it('derives a status from the error type when the error arrived inside a 200 stream', () => {
    expect(parseProviderError({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }).status).toBe(429);
  });

  it('truncates huge non-JSON bodies', () => {
    expect(parseProviderError('x'.repeat(10_000), 500).message).toHaveLength(500);
  });

  it('describes a cut stream as a 502 with a stable code', () => {
    const err = streamTruncatedError('no message_stop');
    expect(toOpenAiError(err).error).toMatchObject({ type: 'server_error', code: 'upstream_stream_truncated' });
    expect(toAnthropicError(err).error.type).toBe('api_error');
    expect(openAiErrorStatus(err)).toBe(502);
  });
});
