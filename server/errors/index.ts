export { GatewayError, isGatewayError, type ErrorDefinition } from './gateway-error.js';
export { errors, gatewayError, type ErrorCode } from './catalogue.js';
export { renderHttpError, toGatewayError, writeJsonError, type JsonErrorReply } from './render-http.js';
