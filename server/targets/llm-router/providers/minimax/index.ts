import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** MiniMax's OpenAI-like chatcompletion_v2 lives at a non-standard path. */
export const minimax: ProviderSpec = openAiCompatible({
  id: 'minimax',
  name: 'MiniMax',
  baseUrl: 'https://api.minimax.chat/v1',
  endpoints: [],
  paths: { chat: '/text/chatcompletion_v2' },
  capabilities: { streamUsage: false, reasoning: true },
});
