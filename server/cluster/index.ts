export { startPrimary, type PrimaryOptions, type RunningPrimary } from './primary.js';
export type { WorkerInfo } from './supervisor.js';
export { clusterWorkerRole } from './worker.js';
