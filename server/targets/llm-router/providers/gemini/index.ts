import { defineProvider, type EndpointInput, type ProviderSpec } from '../types.js';

function base(input: EndpointInput): string {
  return `/${encodeURIComponent(input.settings.apiVersion ?? 'v1beta')}`;
}

function model(input: EndpointInput): string {
  // Callers may pass `models/gemini-…` (the form /models returns) or the bare id.
  const id = input.model.startsWith('models/') ? input.model.slice(7) : input.model;
  return encodeURIComponent(id);
}

/**
 * Google Gemini API (generativelanguage.googleapis.com). Streaming uses `alt=sse`: without it the stream is
 * one JSON array, which the SSE framer cannot read incrementally.
 */
export const gemini: ProviderSpec = defineProvider({
  id: 'gemini',
  name: 'Google Gemini',
  protocol: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  // A header rather than `?key=`, so keys never appear in access logs of URLs.
  auth: { in: 'header', name: 'x-goog-api-key', template: '{key}' },
  endpoints: {
    chat: (input) =>
      input.stream
        ? `${base(input)}/models/${model(input)}:streamGenerateContent?alt=sse`
        : `${base(input)}/models/${model(input)}:generateContent`,
    embeddings: (input) => `${base(input)}/models/${model(input)}:batchEmbedContents`,
    models: (input) => `${base(input)}/models`,
  },
  defaultHeaders: {},
  capabilities: {
    streaming: true,
    tools: true,
    vision: true,
    streamUsage: false,
    developerRole: false,
    reasoning: true,
  },
});
