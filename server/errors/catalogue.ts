import { GatewayError, type ErrorDefinition } from './gateway-error.js';

/** An entry of the catalogue below; its code is the key it is listed under. */
function defineError(status: number, flag: string, template: string): Omit<ErrorDefinition, 'code'> {
  return { status, flag, template };
}

/** Freezes the catalogue, giving each definition its key as its code (so the two cannot disagree). */
function withCodes<K extends string>(defs: Record<K, Omit<ErrorDefinition, 'code'>>): Readonly<Record<K, ErrorDefinition>> {
  const out = {} as Record<K, ErrorDefinition>;
  for (const code of Object.keys(defs) as K[]) out[code] = Object.freeze({ code, ...defs[code] });
  return Object.freeze(out);
}

/**
 * Every error the gateway can answer with. docs/errors.md documents each one; a test keeps the two in step.
 * Flags follow Envoy's response flags where one exists.
 */
export const errors = withCodes({
  GW_ERR_NO_ROUTE: defineError(404, 'NR', 'No route matches %s %s'),
  GW_ERR_BAD_REQUEST: defineError(400, 'DPE', 'Bad request: %s'),
  GW_ERR_UPSTREAM_CONNECT: defineError(502, 'UF', 'Upstream %s refused or failed the connection'),
  GW_ERR_UPSTREAM_TIMEOUT: defineError(504, 'UT', 'Upstream %s did not answer within %s ms'),
  GW_ERR_UPSTREAM_PROTOCOL: defineError(502, 'UPE', 'Upstream %s sent an invalid response'),
  GW_ERR_UPSTREAM_RESET: defineError(502, 'UR', 'Upstream %s reset the connection'),
  GW_ERR_NO_HEALTHY_UPSTREAM: defineError(503, 'UO', 'No healthy target in upstream %s'),
  GW_ERR_RETRIES_EXHAUSTED: defineError(502, 'URX', 'Upstream %s failed after %s attempts'),
  GW_ERR_DOWNSTREAM_DISCONNECT: defineError(499, 'DC', 'Client disconnected'),
  GW_ERR_AUTH_MISSING: defineError(401, 'UAEX', 'Credentials are required'),
  GW_ERR_AUTH_INVALID: defineError(401, 'UAEX', 'Credentials are invalid'),
  GW_ERR_AUTH_FORBIDDEN: defineError(403, 'UAEX', 'Consumer %s may not use %s'),
  GW_ERR_BODY_TOO_LARGE: defineError(413, 'BL', 'Request body exceeds the limit of %s bytes'),
  GW_ERR_IP_DENIED: defineError(403, 'RBAC', 'Address %s may not use %s'),
  GW_ERR_CORS_DENIED: defineError(403, 'CORS', 'Origin %s is not allowed'),
  GW_ERR_RATE_LIMITED: defineError(429, 'RL', 'Rate limit exceeded for %s'),
  GW_ERR_TARGET_UNKNOWN: defineError(500, 'NC', 'Route %s has an unknown target kind %s'),
  GW_ERR_PIPELINE_UNTERMINATED: defineError(500, 'NC', 'The pipeline ended without a response'),
  GW_ERR_INTERNAL: defineError(500, 'NC', 'Internal error'),
  GW_ERR_MCP_SERVER_NOT_FOUND: defineError(404, 'NR', 'No MCP server named %s'),
  GW_ERR_MCP_SESSION_REQUIRED: defineError(400, 'DPE', 'Bad Request: Mcp-Session-Id header is required'),
  GW_ERR_MCP_SESSION_NOT_FOUND: defineError(404, 'DPE', 'Session not found'),
  GW_ERR_MCP_PROTOCOL_VERSION: defineError(400, 'DPE', 'Bad Request: Unsupported MCP-Protocol-Version %s (supported: %s)'),
  GW_ERR_MCP_ORIGIN_FORBIDDEN: defineError(403, 'DPE', 'Forbidden: %s'),
  GW_ERR_MCP_NOT_ACCEPTABLE: defineError(406, 'DPE', 'Not Acceptable: client must accept %s'),
  GW_ERR_MCP_MEDIA_TYPE: defineError(415, 'DPE', 'Unsupported Media Type: Content-Type must be application/json'),
  GW_ERR_MCP_BODY_TOO_LARGE: defineError(413, 'DPE', 'Request body is larger than %s bytes'),
  GW_ERR_MCP_METHOD_NOT_ALLOWED: defineError(405, 'DPE', 'Method %s is not allowed here'),
  GW_ERR_MCP_PARSE: defineError(400, 'DPE', 'Parse error: %s'),
  GW_ERR_MCP_INVALID_REQUEST: defineError(400, 'DPE', 'Invalid Request: %s'),
  GW_ERR_MCP_INVALID_PARAMS: defineError(400, 'DPE', 'Invalid params: %s'),
  GW_ERR_MCP_UNKNOWN_TOOL: defineError(400, 'DPE', 'Unknown tool: %s'),
  GW_ERR_MCP_BACKEND_UNAVAILABLE: defineError(503, 'UO', 'MCP server %s is unavailable'),
  GW_ERR_MCP_BACKEND_FAILED: defineError(502, 'UF', 'MCP server %s failed during the call'),
  GW_ERR_MCP_BACKEND_TIMEOUT: defineError(504, 'UT', 'MCP server %s did not answer within %s ms'),
  GW_ERR_MCP_SUBSCRIPTION_REFUSED: defineError(502, 'UPE', 'MCP server %s did not take the subscription to %s: its subscriptions/listen acknowledgement (2026-07-28) left the URI out'),
  GW_ERR_MCP_SUBSCRIPTION_LIMIT: defineError(429, 'RL', 'Too many resource subscriptions: this session holds %s on MCP server %s, the most one session may hold; unsubscribe from one first'),
  GW_ERR_LLM_NO_ROUTE: defineError(404, 'NR', 'No LLM route serves model %s'),
  GW_ERR_LLM_UNSUPPORTED: defineError(400, 'DPE', 'No provider of route %s supports %s'),
  GW_ERR_LLM_TOKEN_LIMIT: defineError(429, 'RL', 'Token limit of %s per minute reached for %s'),
  GW_ERR_LLM_UPSTREAM_ERROR: defineError(502, 'UPE', 'Provider %s answered HTTP %s: %s'),
  GW_ERR_LLM_STREAM_CUT: defineError(502, 'UR', 'Provider %s stream ended early: %s'),
  GW_ERR_MCP_SERVER_REQUEST_UNATTRIBUTED: defineError(
    502,
    'UPE',
    'Refused %s from MCP server %s: it cannot be attributed to exactly one client session (run the server with isolation per-session)',
  ),
  GW_ERR_LLM_RESPONSE_TOO_LARGE: defineError(502, 'UPE', 'Provider %s sent an answer larger than %s bytes'),
  GW_ERR_LLM_BODIES_BUSY: defineError(503, 'BL', 'Too many large LLM request bodies in flight (%s bytes buffered); retry shortly'),
  GW_ERR_MCP_CLIENT_SESSION_LIMIT: defineError(429, 'RL', 'Too many MCP sessions: %s already holds %s, the most one client may hold; end one (DELETE) or reuse it'),
  GW_ERR_MCP_SESSION_LIMIT: defineError(503, 'RL', 'The gateway holds its maximum of %s MCP sessions; try again later'),
  GW_ERR_MCP_BATCH_TOO_LARGE: defineError(400, 'DPE', 'Invalid Request: a batch may hold at most %s messages, this one holds %s'),
  GW_ERR_HOST_NOT_ALLOWED: defineError(421, 'DPE', 'Misdirected request: %s'),
  GW_ERR_HTTP_VERSION: defineError(505, 'DPE', '%s is not supported on an HTTP/1 connection'),
  GW_ERR_TOO_MANY_HEADERS: defineError(431, 'DPE', 'More than %s request headers'),
  GW_ERR_BODY_TIMEOUT: defineError(408, 'DPE', 'No request body byte arrived for %s ms'),
  GW_ERR_ADMIN_REGISTRY_BUSY: defineError(503, 'UO', 'The registry is locked by another process (a CLI write, a backup, sqlite3): %s was not applied; retry shortly'),
  GW_ERR_ADMIN_INVALID: defineError(400, 'DPE', '%s'),
  GW_ERR_ADMIN_NOT_FOUND: defineError(404, 'NR', '%s'),
  GW_ERR_ADMIN_CONFLICT: defineError(409, 'DPE', '%s'),
  GW_ERR_ADMIN_UNAUTHORIZED: defineError(401, 'UAEX', 'admin API needs Authorization: Bearer <token> (AGATE_ADMIN_TOKEN or the admin.token file)'),
  GW_ERR_ADMIN_AUTH_RATE_LIMITED: defineError(429, 'RL', 'too many failed admin authentications from %s; try again in %s s'),
  GW_ERR_ADMIN_HOST_NOT_ALLOWED: defineError(403, 'DPE', 'Host "%s" is not a loopback name or one of the admin API\'s allowed hosts (--admin-allowed-host)'),
  GW_ERR_ADMIN_CSRF: defineError(403, 'UAEX', 'console session refused for %s: %s'),
  GW_ERR_MCP_HEADER_MISMATCH: defineError(400, 'DPE', 'Header mismatch: %s'),
  GW_ERR_MCP_UNSUPPORTED_VERSION: defineError(400, 'DPE', 'Unsupported protocol version: %s (supported: %s)'),
  GW_ERR_MCP_INVALID_META: defineError(400, 'DPE', 'Invalid params: %s'),
  GW_ERR_MCP_METHOD_NOT_FOUND: defineError(404, 'DPE', 'Method not found: %s is not a method of MCP %s'),
  GW_ERR_AUTH_INSUFFICIENT_SCOPE: defineError(403, 'UAEX', 'The access token lacks scope %s needed for %s'),
  GW_ERR_AUTH_SERVER_UNAVAILABLE: defineError(503, 'UAEX', 'The access token could not be checked: authorization server %s did not answer (%s)'),
  GW_ERR_QUOTA_STORE_UNAVAILABLE: defineError(503, 'RLSE', 'The quota store (Redis) did not answer and %s fails closed (onStoreError: closed); retry shortly'),
  GW_ERR_AUTH_KEY_IN_PASSTHROUGH: defineError(
    401,
    'UAEX',
    'An agate credential was sent in %s, which MCP server %s passes to its upstream; send agate keys in a header it does not pass through',
  ),
  GW_ERR_UPSTREAM_TOKEN: defineError(502, 'UAEX', 'No token for MCP server %s: %s'),
  GW_ERR_MCP_SESSION_STORE_UNAVAILABLE: defineError(503, 'UO', 'The MCP session store (Redis) did not answer (session %s); retry shortly'),
  GW_ERR_SETTINGS_INVALID: defineError(400, 'DPE', 'Invalid settings: %s'),
  GW_ERR_SETTINGS_NOT_SELF_SERVICE: defineError(403, 'UAEX', 'MCP server %s does not let its consumers set %s'),
  GW_ERR_LLM_BUDGET_EXCEEDED: defineError(429, 'RL', 'The %s budget of %s %s on LLM route %s is spent for %s (%s used, this request needs %s); it resets at %s'),
  GW_ERR_UPSTREAM_CONSENT_REQUIRED: defineError(401, 'UAEX', 'MCP server %s needs your consent at its authorization server: open %s in a browser, then retry'),
  GW_ERR_VAULT_CONSENT_REFUSED: defineError(400, 'UAEX', 'Consent link refused: %s'),
  GW_ERR_VAULT_STORE_UNAVAILABLE: defineError(503, 'UO', 'The consent store (Redis) did not answer: %s; retry shortly'),
  GW_ERR_MCP_MEMBER_INPUT_REQUIRED: defineError(502, 'UPE', 'MCP server %s answered %s with an input_required result (2026-07-28 MRTR) that agate cannot bridge: %s'),
  GW_ERR_MCP_MEMBER_STATE_TOO_LARGE: defineError(502, 'UPE', 'MCP server %s answered with an input_required result (2026-07-28 MRTR) whose requestState is %s characters as JSON, more than the %s agate passes on'),
  GW_ERR_MCP_INPUT_ROUNDS_EXCEEDED: defineError(502, 'UPE', 'MCP server %s still asked for input on %s after %s rounds (2026-07-28 MRTR): agate gave up'),
  GW_ERR_MCP_INPUT_FAILED: defineError(400, 'DPE', 'MCP server %s asked the client for input "%s" (2026-07-28 MRTR) and the client answered with an error: %s'),
  GW_ERR_MCP_REQUEST_STATE_INVALID: defineError(400, 'DPE', 'Invalid params: requestState %s'),
  GW_ERR_MCP_REQUEST_STATE_EXPIRED: defineError(400, 'DPE', 'Invalid params: requestState expired (it is valid for %s ms); send the request again without inputResponses and requestState'),
  GW_ERR_MCP_REQUEST_STATE_REPLAYED: defineError(400, 'DPE', 'Invalid params: requestState was already used (each is good for one retry); send the request again without inputResponses and requestState'),
  GW_ERR_MCP_EXCHANGE_NOT_HERE: defineError(
    409,
    'DPE',
    'The multi round-trip request this requestState continues is not pending on this agate replica (%s); send the request again from scratch, without inputResponses and requestState',
  ),
  GW_ERR_MCP_INPUTS_PENDING_LIMIT: defineError(429, 'RL', 'Too many multi round-trip requests waiting for input: %s holds %s, the most %s; answer or abandon one, then retry'),
  GW_ERR_MCP_CLIENT_LISTEN_LIMIT: defineError(429, 'RL', 'Too many subscriptions/listen streams: %s already holds %s, the most one client may hold; close one, then listen again'),
  GW_ERR_MCP_LISTEN_LIMIT: defineError(503, 'RL', 'The gateway holds its maximum of %s subscriptions/listen streams; try again later'),
});

/** A catalogue code. */
export type ErrorCode = keyof typeof errors;

/** Builds the catalogue error `code` with its message arguments. */
export function gatewayError(code: ErrorCode, ...args: unknown[]): GatewayError {
  return new GatewayError(errors[code], args);
}
