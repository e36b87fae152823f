export { KeyHealth, type KeyProbe, type KeyStatus } from './key-health.js';
export { createModelsProbe } from './models-probe.js';
