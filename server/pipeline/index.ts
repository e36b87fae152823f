export { compose } from './compose.js';
export { buildPipeline, dispatch } from './build-pipeline.js';
export type { ConsumerIdentity, Filter, GatewayContext, Next, Outcome, RequestInfo, RequestKind, RouteRef, RouteTarget, TargetKind } from './types.js';
