export { startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
export { startEchoUpstream } from './demo/echo-upstream.js';
export { createLogger, type Logger } from './observability/logger.js';
export { errors, GatewayError, type ErrorCode } from './errors/index.js';
export { startPrimary, clusterWorkerRole, type PrimaryOptions, type RunningPrimary, type WorkerInfo } from './cluster/index.js';
