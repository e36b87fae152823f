import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamHttpError } from '../backends/remote-errors.js';
import { classifyProbe, type ProbeOutcome } from './probe-classifier.js';

/**
 * Whether a failed 2025 handshake (`initialize`) is a modern-only server's refusal: the spec's -32022
 * UnsupportedProtocolVersion naming 2026-07-28 among the revisions it supports, in a 400's body (Streamable HTTP)
 * or in band (stdio). Read with the probe's own classifier, so one table decides what counts as modern.
 */
export function contradictsLegacy(err: unknown): boolean {
  const outcome = outcomeOf(err);
  return outcome !== undefined && classifyProbe(outcome, 'http').kind === 'modern';
}

function outcomeOf(err: unknown): ProbeOutcome | undefined {
  if (err instanceof UpstreamHttpError && err.status >= 400 && err.status < 500) return { kind: 'http-error', status: err.status, body: err.detail };
  if (err instanceof McpError) return { kind: 'rpc-error', code: err.code, message: err.message, data: err.data };
  return undefined;
}
