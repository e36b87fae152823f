import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Mistral AI: an OpenAI-compatible API. */
export const mistral: ProviderSpec = openAiCompatible({
  id: 'mistral',
  name: 'Mistral AI',
  baseUrl: 'https://api.mistral.ai/v1',
  endpoints: ['chat', 'embeddings', 'models'],
  // Mistral rejects unknown request fields and always reports usage in the last chunk.
  capabilities: { vision: true, streamUsage: false },
});
