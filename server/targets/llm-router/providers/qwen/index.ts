import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** DashScope's OpenAI-compatible mode; the native text-generation protocol is not used. */
export const qwen: ProviderSpec = openAiCompatible({
  id: 'qwen',
  name: 'Qwen (DashScope compatible mode)',
  baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  endpoints: ['chat', 'embeddings', 'models'],
  capabilities: { vision: true, reasoning: true },
});
