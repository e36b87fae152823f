import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Together AI: an OpenAI-compatible API. */
export const togetherAi: ProviderSpec = openAiCompatible({
  id: 'together-ai',
  name: 'Together AI',
  baseUrl: 'https://api.together.xyz/v1',
  endpoints: ['chat', 'embeddings', 'models'],
  capabilities: { vision: true },
});
