import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Qianfan v2 is OpenAI-compatible; the v1 signed-token API is not supported. */
export const baidu: ProviderSpec = openAiCompatible({
  id: 'baidu',
  name: 'Baidu Qianfan v2',
  baseUrl: 'https://qianfan.baidubce.com/v2',
  endpoints: ['chat', 'embeddings'],
  capabilities: { vision: true, reasoning: true },
});
