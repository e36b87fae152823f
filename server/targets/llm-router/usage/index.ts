export { UsageRecorder, timePerOutputToken, type UsageEvent, type UsageRecorderOptions } from './usage-recorder.js';
export { BudgetSeed, type SeedQuery } from './budget-seed.js';
