export { llmLimits } from './llm-limits.js';
