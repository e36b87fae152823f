import type { IncomingHttpHeaders } from 'node:http';
import type { ClientCapabilities, Implementation, JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { isNotification, isObject, isRequest } from '../json-rpc.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../router-session.js';
import { META, MODERN_PROTOCOL_VERSIONS, NAME_SOURCE, SENTINEL_PREFIX, SENTINEL_SUFFIX } from '../modern-protocol.js';

// Which MCP era a POST speaks, decided per request as 2026-07-28 basic/versioning.mdx says a dual-era server does:
// a request carrying the per-request `_meta` envelope is modern and served statelessly; `initialize` opens a
// legacy session; anything else is legacy traffic (today's session rules). The rules and their order follow
// basic/transports/streamable-http.mdx (§Protocol Version Header, §Standard Request Headers, §Server Validation)
// and basic/index.mdx §_meta, in the order the v2 SDK's inbound ladder applies them.


/** Every revision agate serves, modern first: what an UnsupportedProtocolVersion error lists. */
export const ALL_PROTOCOL_VERSIONS: readonly string[] = Object.freeze([...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS]);


const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);


/** A modern message as validated: the body, its version and what the client declared for it. */
export interface ModernMessage {
  readonly message: JSONRPCRequest | JSONRPCNotification;
  readonly version: string;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo?: Implementation;
  readonly logLevel?: LoggingLevel;
}

/** The era of one POST: legacy traffic goes on to today's session handling. */
export type EraOf = { readonly era: 'legacy' } | { readonly era: 'modern'; readonly modern: ModernMessage };

const LEGACY: EraOf = Object.freeze({ era: 'legacy' });

/** Whether `version` names a modern revision (the v2 SDK's test: on or after the first modern one). */
function namesModern(version: string | undefined): boolean {
  return version !== undefined && version >= MODERN_PROTOCOL_VERSIONS[MODERN_PROTOCOL_VERSIONS.length - 1]!;
}

/**
 * Classifies a parsed POST body. Throws the refusal (a catalogue GatewayError the MCP ingress renders with the
 * request's id): -32020 HeaderMismatch, -32022 UnsupportedProtocolVersion, -32602 for a malformed envelope,
 * -32600 for a batch holding a modern message (batches never existed in 2026-07-28).
 */
export function classifyEra(headers: IncomingHttpHeaders, parsed: { messages: readonly JSONRPCMessage[]; batch: boolean }): EraOf {
  if (parsed.batch) {
    if (parsed.messages.some(claimsEnvelope)) throw new GatewayError(errors.GW_ERR_MCP_INVALID_REQUEST, ['a batch may not hold 2026-07-28 messages']);
    return LEGACY;
  }
  const message = parsed.messages[0]!;
  if (!isRequest(message) && !isNotification(message)) return LEGACY;
  const header = headerOf(headers, 'mcp-protocol-version');
  if (message.method === 'initialize' && !claimsEnvelope(message)) {
    if (namesModern(header)) throw mismatch(`an initialize request (the 2025 handshake) was sent with MCP-Protocol-Version ${header}`);
    return LEGACY;
  }
  if (!claimsEnvelope(message)) {
    // On a 2025 session a bare header is that session's version check (an unsupported one is a 400 there too).
    if (!namesModern(header) || headers['mcp-session-id'] !== undefined) return LEGACY;
    if (isNotification(message)) return { era: 'modern', modern: { message, version: header!, clientCapabilities: {} } };
    throw invalidMeta(`MCP-Protocol-Version names ${header}, but params._meta lacks ${META.protocolVersion}`);
  }
  return modernOrLegacy(headers, message);
}

/** A message that claims the envelope: validated, cross-checked with its headers, and its version served or refused. */
function modernOrLegacy(headers: IncomingHttpHeaders, message: JSONRPCRequest | JSONRPCNotification): EraOf {
  const meta = (message.params as { _meta: Record<string, unknown> })._meta;
  const request = isRequest(message);
  const envelope = checkEnvelope(meta, request);
  const header = headerOf(headers, 'mcp-protocol-version');
  if (header !== undefined && header !== envelope.version) {
    throw mismatch(`MCP-Protocol-Version header ${header} does not match the body's ${META.protocolVersion} ${envelope.version}`);
  }
  const method = headerOf(headers, 'mcp-method');
  if (method !== undefined && method !== message.method) throw mismatch(`Mcp-Method header ${method} does not match the body's method ${message.method}`);
  if (!MODERN_PROTOCOL_VERSIONS.includes(envelope.version)) {
    // A 2025 revision named in _meta is legacy traffic (it needs initialize); anything else is not spoken here.
    if (SUPPORTED_PROTOCOL_VERSIONS.includes(envelope.version)) return LEGACY;
    throw new GatewayError(errors.GW_ERR_MCP_UNSUPPORTED_VERSION, [envelope.version, ALL_PROTOCOL_VERSIONS.join(', ')], {
      data: { supported: [...ALL_PROTOCOL_VERSIONS], requested: envelope.version },
    });
  }
  if (request) checkStandardHeaders(headers, message);
  return { era: 'modern', modern: { message, ...envelope } };
}

/** Whether a message's params carry the envelope claim: the protocol-version `_meta` key, whatever its value. */
function claimsEnvelope(message: JSONRPCMessage): boolean {
  const params = (message as { params?: unknown }).params;
  return isObject(params) && isObject(params._meta) && META.protocolVersion in params._meta;
}

/** The envelope of a request (protocol version and client capabilities required) or notification (version only). */
function checkEnvelope(meta: Record<string, unknown>, request: boolean): Omit<ModernMessage, 'message'> {
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string' || version === '') throw invalidMeta(`${META.protocolVersion} must be a protocol version string`);
  const caps = meta[META.clientCapabilities];
  if (caps === undefined && request) throw invalidMeta(`${META.clientCapabilities} is required`);
  if (caps !== undefined && !isObject(caps)) throw invalidMeta(`${META.clientCapabilities} must be an object`);
  const info = meta[META.clientInfo];
  if (info !== undefined && !(isObject(info) && typeof info.name === 'string' && typeof info.version === 'string')) {
    throw invalidMeta(`${META.clientInfo} must be an object with string name and version`);
  }
  const level = meta[META.logLevel];
  if (level !== undefined && !(typeof level === 'string' && LOG_LEVELS.has(level))) throw invalidMeta(`${META.logLevel} must be a logging level`);
  return {
    version,
    clientCapabilities: (caps ?? {}) as ClientCapabilities,
    ...(info === undefined ? {} : { clientInfo: info as Implementation }),
    ...(level === undefined ? {} : { logLevel: level as LoggingLevel }),
  };
}

/** MCP-Protocol-Version and Mcp-Method are required on every modern request, Mcp-Name where the method names something. */
function checkStandardHeaders(headers: IncomingHttpHeaders, message: JSONRPCRequest): void {
  if (headerOf(headers, 'mcp-protocol-version') === undefined) throw mismatch('the required MCP-Protocol-Version header is missing');
  if (headerOf(headers, 'mcp-method') === undefined) throw mismatch('the required Mcp-Method header is missing');
  const field = Object.hasOwn(NAME_SOURCE, message.method) ? NAME_SOURCE[message.method] : undefined;
  if (field === undefined) return;
  const value = (message.params as Record<string, unknown> | undefined)?.[field];
  const raw = headerOf(headers, 'mcp-name');
  // A body without the field is the method's own params error, found when it runs.
  if (typeof value !== 'string') return;
  if (raw === undefined) throw mismatch(`the required Mcp-Name header is missing (the body names params.${field} ${JSON.stringify(value)})`);
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) throw mismatch('the Mcp-Name header carries an invalid Base64 sentinel value');
  if (decoded !== value) throw mismatch(`Mcp-Name header ${JSON.stringify(decoded)} does not match the body's params.${field} ${JSON.stringify(value)}`);
}

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value as the client meant it (streamable-http.mdx §Value Encoding): `=?base64?…?=` is the UTF-8 of
 * its Base64 payload, anything else is itself. Undefined: a sentinel whose payload is not canonical Base64 of UTF-8.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX) && value.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length)) return value;
  const payload = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(payload)) return undefined;
  try {
    return UTF8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

/** A request header as one string; repeated ones arrive joined (and then match nothing). */
function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function mismatch(detail: string): GatewayError {
  return new GatewayError(errors.GW_ERR_MCP_HEADER_MISMATCH, [detail]);
}

function invalidMeta(detail: string): GatewayError {
  return new GatewayError(errors.GW_ERR_MCP_INVALID_META, [detail]);
}
