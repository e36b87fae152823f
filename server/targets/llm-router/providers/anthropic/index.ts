import { defineProvider, type ProviderSpec } from '../types.js';

/** Anthropic Messages API: `x-api-key` plus the required `anthropic-version` header. */
export const anthropic: ProviderSpec = defineProvider({
  id: 'anthropic',
  name: 'Anthropic',
  protocol: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  auth: { in: 'header', name: 'x-api-key', template: '{key}' },
  endpoints: {
    chat: () => '/v1/messages',
    models: () => '/v1/models',
  },
  defaultHeaders: { 'anthropic-version': '2023-06-01' },
  // Anthropic always reports usage in message_start/message_delta; there is no stream_options to inject.
  capabilities: {
    streaming: true,
    tools: true,
    vision: true,
    streamUsage: false,
    developerRole: false,
    reasoning: true,
  },
});
