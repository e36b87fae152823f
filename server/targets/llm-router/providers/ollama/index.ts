import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Ollama: an OpenAI-compatible API. */
export const ollama: ProviderSpec = openAiCompatible({
  id: 'ollama',
  name: 'Ollama',
  baseUrl: 'http://127.0.0.1:11434/v1',
  endpoints: ['chat', 'embeddings', 'models'],
  // A local Ollama needs no key; one is sent if configured (e.g. behind an auth proxy).
  auth: { in: 'header', name: 'authorization', template: 'Bearer {key}', optional: true },
  capabilities: { vision: true, reasoning: true },
});
