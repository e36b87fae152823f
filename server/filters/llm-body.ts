import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, errors } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
import { readBody } from '../pipeline/read-body.js';
import type { BodyBudget } from '../targets/llm-router/body-budget.js';
import type { LlmExchangeContext } from '../targets/llm-router/router/index.js';

/** How large one LLM request body may be. */
export interface LlmBodyConfig {
  /** Largest accepted body, bytes (images travel inline as base64). */
  readonly maxBytes: number;
}

/** The long-lived allowance all LLM bodies in flight share (it survives snapshot swaps). */
export interface LlmBodyDeps {
  readonly budget: BodyBudget;
}

/**
 * Reads and parses the LLM call's JSON body and checks its model, then sets `ctx.llm`. Runs inside the chain,
 * after observability, so every refusal is logged and counted: 503 GW_ERR_LLM_BODIES_BUSY (with Retry-After) when
 * the in-flight allowance is spent, 413 GW_ERR_BODY_TOO_LARGE, 400 GW_ERR_BAD_REQUEST naming what is wrong.
 */
export function llmBody(config: LlmBodyConfig, deps: LlmBodyDeps): Filter {
  const { maxBytes } = config;
  const budget = deps.budget;
  return async function readLlmBody(gatewayCtx, next) {
    const ctx = gatewayCtx as LlmExchangeContext;
    const { req, res } = ctx.http!;
    const reserved = budget.reserve(req, maxBytes);
    if (reserved === null) {
      req.resume(); // drained, so the connection can carry the answer
      throw new GatewayError(errors.GW_ERR_LLM_BODIES_BUSY, [budget.reserved], { headers: { 'retry-after': '1' } });
    }
    res.once('close', () => budget.release(reserved));
    const body = await readJsonBody(req, res, maxBytes);
    if (!body.ok) throw body.status === 413 ? new GatewayError(errors.GW_ERR_BODY_TOO_LARGE, [maxBytes]) : new GatewayError(errors.GW_ERR_BAD_REQUEST, [body.reason]);
    const { api, protocol } = ctx.llmEndpoint;
    const model = body.value.model;
    if (api !== 'models' && (typeof model !== 'string' || model === '')) throw new GatewayError(errors.GW_ERR_BAD_REQUEST, ['model must be a non-empty string']);
    ctx.llm = {
      api,
      protocol,
      body: body.value,
      model: typeof model === 'string' ? model : '',
      stream: body.value.stream === true,
      result: { attempts: 0, outputChars: 0, chunks: 0 },
    };
    // The request's byte count for the access log (the response's is ctx.outcome.bytesOut, logged as `bytes`).
    ctx.outcome.fields = { ...ctx.outcome.fields, requestBytes: body.bytes };
    await next();
  };
}

/** Reads a JSON request body up to `limit` bytes; the outcome names what was wrong with it. */
async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<{ ok: true; value: Record<string, unknown>; bytes: number } | { ok: false; status: number; reason: string }> {
  const read = await readBody(req, res, limit);
  if (!read.ok) {
    return read.reason === 'too-large'
      ? { ok: false, status: 413, reason: `request body is larger than ${limit} bytes` }
      : { ok: false, status: 400, reason: 'request body could not be read' };
  }
  if (read.body.length === 0) return { ok: true, value: {}, bytes: 0 };
  try {
    const value: unknown = JSON.parse(read.body.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, status: 400, reason: 'request body must be a JSON object' };
    }
    return { ok: true, value: value as Record<string, unknown>, bytes: read.body.length };
  } catch (err) {
    return { ok: false, status: 400, reason: `request body is not valid JSON: ${(err as Error).message}` };
  }
}
