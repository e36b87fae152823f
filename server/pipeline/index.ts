export { compose } from './compose.js';
export { dispatch } from './dispatch.js';
export { CHAINS, admitted, buildChain, type Chain, type ChainDeclaration, type ChainName } from './chains.js';
export { addResponseHeaders, mergeResponseHeaders, setResponseHeaders } from './types.js';
export type { AuthRefusal, ConsumerIdentity, OAuthSubject, Filter, GatewayContext, Next, Outcome, RequestInfo, RequestKind, RouteRef, RouteTarget, TargetKind } from './types.js';
