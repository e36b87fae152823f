import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Fireworks AI: an OpenAI-compatible API. */
export const fireworks: ProviderSpec = openAiCompatible({
  id: 'fireworks',
  name: 'Fireworks AI',
  baseUrl: 'https://api.fireworks.ai/inference/v1',
  endpoints: ['chat', 'embeddings', 'models'],
  capabilities: { vision: true },
});
