/**
 * The LLM ingress: OpenAI-compatible `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`, `/v1/responses`
 * and Anthropic's `/v1/messages`. It parses the call into `ctx.llm`, runs the snapshot's LLM pipeline and
 * renders errors in the shape of the API the client called. Any other path goes to the HTTP ingress.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, errors } from '../../errors/index.js';
import type { Snapshot } from '../../snapshot/snapshot.js';
import { toLlmGatewayError, type ClientProtocol, type LlmApi, type LlmContext } from '../../targets/llm-router/router/index.js';
import { BodyBudget } from './body-budget.js';
import { readJsonBody } from './read-body.js';
import { renderLlmError } from './render-error.js';
import { ExchangeContext, describeRequest } from '../exchange-context.js';
import { nextRequestId } from '../request-id.js';

/** What the LLM ingress needs from the gateway. */
export interface LlmIngressDeps {
  /** The snapshot to serve; captured once per request. */
  current(): Snapshot | undefined;
  log: Logger;
  /** Handles every request that is not an LLM call. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
  /** Largest accepted request body; default 32 MiB (images travel inline as base64). */
  maxBodyBytes?: number;
  /** Request-body bytes all LLM requests in flight may hold together; default 64 MiB (see BodyBudget). */
  bufferedBodyBytes?: number;
  /** Peers whose X-Forwarded-For names the caller (rate limits by IP, logs). */
  trustedProxies?: BlockList;
}

const ENDPOINTS: Readonly<Record<string, { api: LlmApi; protocol: ClientProtocol }>> = {
  'POST /v1/chat/completions': { api: 'chat', protocol: 'openai' },
  'POST /v1/messages': { api: 'messages', protocol: 'anthropic' },
  'POST /v1/messages/count_tokens': { api: 'count_tokens', protocol: 'anthropic' },
  'POST /v1/embeddings': { api: 'embeddings', protocol: 'openai' },
  'POST /v1/responses': { api: 'responses', protocol: 'openai' },
  'GET /v1/models': { api: 'models', protocol: 'openai' },
};

/** The handler mounted at `/v1/`. */
export function createLlmIngress(deps: LlmIngressDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = deps.maxBodyBytes ?? 32 * 1024 * 1024;
  const budget = new BodyBudget(deps.bufferedBodyBytes ?? 64 * 1024 * 1024);
  return function handleLlm(req, res) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).replace(/\/+$/, '');
    const endpoint = ENDPOINTS[`${req.method} ${path}`];
    const snapshot = deps.current();
    if (!endpoint || !snapshot?.llm) return deps.fallback(req, res);
    // Anthropic SDKs always send anthropic-version; their model list has its own shape.
    const protocol = endpoint.api === 'models' && req.headers['anthropic-version'] ? 'anthropic' : endpoint.protocol;
    const requestId = nextRequestId();
    const startedAt = process.hrtime.bigint();
    const reserved = budget.reserve(req, limit);
    if (reserved === null) {
      req.resume(); // drained, so the connection can carry the answer
      const busy = new GatewayError(errors.GW_ERR_LLM_BODIES_BUSY, [budget.reserved], { headers: { 'retry-after': '1' } });
      return renderLlmError(res, busy, protocol, requestId);
    }
    res.once('close', () => budget.release(reserved));
    void readJsonBody(req, res, limit).then((body) => {
      if (!body.ok) {
        const err = body.status === 413 ? new GatewayError(errors.GW_ERR_BODY_TOO_LARGE, [limit]) : new GatewayError(errors.GW_ERR_BAD_REQUEST, [body.reason]);
        return renderLlmError(res, err, protocol, requestId);
      }
      const model = body.value.model;
      if (endpoint.api !== 'models' && (typeof model !== 'string' || model === '')) {
        return renderLlmError(res, new GatewayError(errors.GW_ERR_BAD_REQUEST, ['model must be a non-empty string']), protocol, requestId);
      }
      const request = describeRequest(req, path, q === -1 ? '' : url.slice(q + 1), deps.trustedProxies);
      const ctx: LlmContext = Object.assign(new ExchangeContext({ kind: 'llm', requestId, log: deps.log, request, req, res, startedAt }), {
        llm: {
          api: endpoint.api,
          protocol,
          body: body.value,
          model: typeof model === 'string' ? model : '',
          stream: body.value.stream === true,
          result: { attempts: 0, outputChars: 0, chunks: 0 },
        },
      });
      // The request's byte count for the access log (the response's is ctx.outcome.bytesOut, logged as `bytes`).
      ctx.outcome.fields = { ...ctx.outcome.fields, requestBytes: body.bytes };
      return snapshot.llm!.handle(ctx).catch((err: unknown) => {
        const e = toLlmGatewayError(err);
        if (e.code === 'GW_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e, requestId }, 'unhandled error');
        renderLlmError(res, e, protocol, requestId);
      });
    });
  };
}
