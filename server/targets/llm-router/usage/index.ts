export { UsageRecorder, timePerOutputToken, type UsageEvent, type UsageRecorderOptions } from './usage-recorder.js';
