import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** OpenAI: an OpenAI-compatible API. */
export const openai: ProviderSpec = openAiCompatible({
  id: 'openai',
  name: 'OpenAI',
  baseUrl: 'https://api.openai.com/v1',
  endpoints: ['chat', 'embeddings', 'models', 'responses'],
  capabilities: { vision: true, developerRole: true },
});
