import { isObject } from '../json-rpc.js';
import { JsonRpcCode } from '../mcp-errors.js';
import { MODERN_PROTOCOL_VERSIONS } from '../modern-protocol.js';

// How the answer to the era probe (a modern `server/discover`) is read, as 2026-07-28 basic/versioning.mdx
// §Backward compatibility and the v2 SDK's probe classifier (client/probeClassifier.ts, the "gateway guidance")
// read it: only definitive modern evidence is modern; the 4xx or JSON-RPC error a 2025 server answers an unknown
// request with is legacy; an auth wall (401/403), a server failure (5xx), a network failure or an HTTP timeout is
// NEVER era evidence: the era stays unknown and is probed again later. On stdio a timeout or a closed pipe is the
// spec's legacy signal (a 2025 server may stay silent on, or exit at, a request it does not know).

/** The modern revision agate speaks upstream: the newest it serves downstream. */
export const MODERN_REVISION = MODERN_PROTOCOL_VERSIONS[0]!;

/** What one probe exchange came to, before it is read. */
export type ProbeOutcome =
  | { readonly kind: 'result'; readonly result: unknown }
  | { readonly kind: 'rpc-error'; readonly code: number; readonly message: string; readonly data?: unknown }
  /** The HTTP layer refused the probe (a non-2xx answer); `body` is the start of its text. */
  | { readonly kind: 'http-error'; readonly status: number; readonly body?: string }
  | { readonly kind: 'network-error'; readonly reason: string }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  | { readonly kind: 'closed' };

/** What the outcome says: the era, or why it says nothing (the reason shown while the era is unknown). */
export type ProbeVerdict = { readonly kind: 'modern'; readonly version: string } | { readonly kind: 'legacy' } | { readonly kind: 'unknown'; readonly reason: string };

/** Reads one probe outcome; `transport` decides the timeout and closed rows. Pure. */
export function classifyProbe(outcome: ProbeOutcome, transport: 'http' | 'stdio'): ProbeVerdict {
  switch (outcome.kind) {
    case 'result':
      return modernEvidence(outcome.result) ? { kind: 'modern', version: MODERN_REVISION } : { kind: 'legacy' };
    case 'rpc-error':
      return rpcError(outcome);
    case 'http-error':
      return httpError(outcome);
    case 'network-error':
      return { kind: 'unknown', reason: outcome.reason };
    case 'timeout':
      return transport === 'stdio' ? { kind: 'legacy' } : { kind: 'unknown', reason: `timed out after ${outcome.timeoutMs} ms` };
    case 'closed':
      return transport === 'stdio' ? { kind: 'legacy' } : { kind: 'unknown', reason: 'connection closed during the probe' };
  }
}

/** A DiscoverResult offering the modern revision agate speaks (server/discover.mdx): anything else is not modern. */
function modernEvidence(result: unknown): boolean {
  if (!isObject(result) || !Array.isArray(result.supportedVersions) || !isObject(result.capabilities)) return false;
  return result.supportedVersions.includes(MODERN_REVISION);
}

/**
 * -32022 listing a modern revision we share is modern (the spec's select-and-continue); one listing only 2025
 * revisions is legacy; -32601 and every other code (the deployed -32000/-32001 literals) is the conservative
 * legacy default, as in the SDK.
 */
function rpcError(error: { code: number; data?: unknown }): ProbeVerdict {
  if (error.code !== JsonRpcCode.UnsupportedProtocolVersion) return { kind: 'legacy' };
  const supported = isObject(error.data) && Array.isArray(error.data.supported) ? (error.data.supported as unknown[]) : [];
  return supported.includes(MODERN_REVISION) ? { kind: 'modern', version: MODERN_REVISION } : { kind: 'legacy' };
}

/** Auth and server-failure statuses rank above the body: their bodies are the auth layer's or the infrastructure's. */
function httpError(outcome: { status: number; body?: string }): ProbeVerdict {
  if (outcome.status === 401 || outcome.status === 403) return { kind: 'unknown', reason: `HTTP ${outcome.status} (authorization)` };
  if (outcome.status >= 500 || outcome.status < 400) return { kind: 'unknown', reason: `HTTP ${outcome.status}` };
  const error = jsonRpcError(outcome.body);
  return error ? rpcError(error) : { kind: 'legacy' };
}

/** The JSON-RPC error of a rejected POST's body, when it is one. */
function jsonRpcError(body: string | undefined): { code: number; data?: unknown } | undefined {
  if (!body) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = isObject(parsed) ? parsed.error : undefined;
    return isObject(error) && typeof error.code === 'number' ? { code: error.code, data: error.data } : undefined;
  } catch {
    return undefined;
  }
}
