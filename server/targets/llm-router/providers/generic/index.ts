import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Any OpenAI-style server; the base URL must be configured. */
export const generic: ProviderSpec = openAiCompatible({
  id: 'generic',
  name: 'Generic OpenAI-compatible',
  baseUrl: null,
  endpoints: ['chat', 'embeddings', 'models', 'responses'],
  // Unknown servers may reject stream_options, so usage is never injected (Higress does the same).
  capabilities: { streamUsage: false },
});
