export { UsageRecorder, timePerOutputToken, type UsageEvent } from './usage-recorder.js';
export { llmUsage } from './usage-filter.js';
