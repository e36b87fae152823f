import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Groq: an OpenAI-compatible API. */
export const groq: ProviderSpec = openAiCompatible({
  id: 'groq',
  name: 'Groq',
  baseUrl: 'https://api.groq.com/openai/v1',
  endpoints: ['chat', 'models', 'responses'],
  capabilities: { vision: true, reasoning: true },
});
