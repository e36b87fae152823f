export { estimatePromptTokens } from './estimate-tokens.js';
export { encodersReady, encodingForModel, loadEncoders, preloadEncoders } from './encoders.js';
export type { EncodingName } from './encoders.js';
export { collectPromptText } from './prompt-text.js';
export type { PromptText } from './prompt-text.js';
