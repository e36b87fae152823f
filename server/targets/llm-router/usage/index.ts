export { UsageRecorder, timePerOutputToken, type UsageEvent } from './usage-recorder.js';
