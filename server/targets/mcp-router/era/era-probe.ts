import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage, type JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpBackend } from '../backend.js';
import { UpstreamHttpError, describeFailure } from '../backends/remote-errors.js';
import { isObject } from '../json-rpc.js';
import { META } from '../modern-protocol.js';
import { MODERN_REVISION, classifyProbe, type ProbeOutcome } from './probe-classifier.js';

/** What a probe found: an era with its revision, or nothing (and why). */
export type EraFinding =
  | { readonly era: 'modern' | 'legacy'; readonly protocolVersion: string }
  | { readonly era: 'unknown'; readonly reason: string };

/** How to probe one member. */
export interface ProbeOptions {
  /** Deadline of each exchange (the probe, then `initialize` on a legacy signal), ms. */
  readonly timeoutMs: number;
  /** Decides the timeout and closed rows of the classifier. */
  readonly transport: 'http' | 'stdio';
}

/** Who agate is, in the probe's `_meta` and the fallback's `initialize`. */
const CLIENT_INFO = Object.freeze({ name: 'agate-era-probe', version: '1.0.0' });

/**
 * The spec's probe (2026-07-28 basic/versioning.mdx §Backward compatibility): a modern `server/discover` with the
 * per-request `_meta` and headers; on a legacy signal, the 2025 `initialize` (whose answer names the revision the
 * member negotiates). Each exchange runs on its own connection of the member's backend (so config headers,
 * brokered tokens and the stdio supervisor apply) and is closed after; nothing waits beyond `timeoutMs` each.
 */
export async function probeEra(backend: McpBackend, options: ProbeOptions): Promise<EraFinding> {
  const modernHeaders = { 'mcp-protocol-version': MODERN_REVISION, 'mcp-method': 'server/discover' };
  const verdict = classifyProbe(await exchange(backend, { request: discoverRequest(), headers: modernHeaders, timeoutMs: options.timeoutMs }), options.transport);
  if (verdict.kind === 'modern') return { era: 'modern', protocolVersion: verdict.version };
  if (verdict.kind === 'unknown') return { era: 'unknown', reason: verdict.reason };
  const init = await exchange(backend, { request: initializeRequest(), timeoutMs: options.timeoutMs });
  if (init.kind === 'result' && isObject(init.result) && typeof init.result.protocolVersion === 'string') {
    return { era: 'legacy', protocolVersion: init.result.protocolVersion };
  }
  return { era: 'unknown', reason: `initialize after a legacy signal failed: ${describeOutcome(init)}` };
}

function discoverRequest(): JSONRPCRequest {
  const _meta = { [META.protocolVersion]: MODERN_REVISION, [META.clientInfo]: CLIENT_INFO, [META.clientCapabilities]: {} };
  return { jsonrpc: '2.0', id: 'agate-era-probe', method: 'server/discover', params: { _meta } };
}

function initializeRequest(): JSONRPCRequest {
  return { jsonrpc: '2.0', id: 'agate-era-initialize', method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO } };
}

/** One request on a fresh connection: its answer, the HTTP or network failure, a timeout or a close. */
async function exchange(backend: McpBackend, o: { request: JSONRPCRequest; headers?: Record<string, string>; timeoutMs: number }): Promise<ProbeOutcome> {
  let transport: Transport;
  try {
    transport = await backend.connect({ headers: o.headers, probe: true });
  } catch (err) {
    return failure(err);
  }
  const outcome = await new Promise<ProbeOutcome>((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout', timeoutMs: o.timeoutMs }), o.timeoutMs);
    const settle = (value: ProbeOutcome) => {
      clearTimeout(timer);
      resolve(value);
    };
    transport.onmessage = (message: JSONRPCMessage) => {
      if (!('id' in message) || message.id !== o.request.id) return;
      if ('result' in message) settle({ kind: 'result', result: message.result });
      else if ('error' in message) settle(rpcError(message.error, o.timeoutMs));
    };
    transport.onclose = () => settle({ kind: 'closed' });
    transport.onerror = (err) => settle(failure(err));
    transport
      .start()
      .then(() => transport.send(o.request))
      .catch((err: unknown) => settle(failure(err)));
  });
  transport.onclose = undefined;
  await transport.close().catch(() => {});
  return outcome;
}

/**
 * A JSON-RPC error, unless agate's own transport wrote it in the member's place (its catalogue code in `data`): a
 * request deadline is a timeout, anything else (a crash, a closed connection) a failure to reach the member.
 */
function rpcError(error: { code: number; message: string; data?: unknown }, timeoutMs: number): ProbeOutcome {
  const own = isObject(error.data) && typeof error.data.code === 'string' && error.data.code.startsWith('GW_ERR_') ? error.data.code : undefined;
  if (own === 'GW_ERR_MCP_BACKEND_TIMEOUT') return { kind: 'timeout', timeoutMs };
  if (own) return { kind: 'network-error', reason: error.message };
  return { kind: 'rpc-error', code: error.code, message: error.message, data: error.data };
}

/** A rejected send: the upstream's HTTP refusal (with the start of its body), else a network failure. */
function failure(err: unknown): ProbeOutcome {
  if (err instanceof UpstreamHttpError && err.status > 0) return { kind: 'http-error', status: err.status, body: err.detail };
  return { kind: 'network-error', reason: describeFailure(err) };
}

function describeOutcome(outcome: ProbeOutcome): string {
  switch (outcome.kind) {
    case 'result':
      return 'an answer without protocolVersion';
    case 'rpc-error':
      return `JSON-RPC error ${outcome.code} ${outcome.message}`;
    case 'http-error':
      return `HTTP ${outcome.status}`;
    case 'network-error':
      return outcome.reason;
    case 'timeout':
      return `timed out after ${outcome.timeoutMs} ms`;
    case 'closed':
      return 'connection closed';
  }
}
