/**
 * The LLM ingress: OpenAI-compatible `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`, `/v1/responses`
 * and Anthropic's `/v1/messages`. It reads the operation from the path into `ctx.llmEndpoint`, runs the snapshot's
 * LLM chain (whose llm-body filter reads the body into `ctx.llm`) and renders errors in the shape of the API the
 * client called. Any other path goes to the HTTP ingress.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import type { Snapshot } from '../../snapshot/snapshot.js';
import { toLlmGatewayError, type ClientProtocol, type LlmApi, type LlmExchangeContext } from '../../targets/llm-router/router/index.js';
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
    const request = describeRequest(req, { path, query: q === -1 ? '' : url.slice(q + 1) }, deps.trustedProxies);
    // The body is read (and refused) by the chain's llm-body filter, so every refusal is logged and counted.
    const ctx: LlmExchangeContext = Object.assign(new ExchangeContext({ kind: 'llm', requestId, log: deps.log, request, req, res }), {
      llmEndpoint: { api: endpoint.api, protocol },
    });
    snapshot.llm.handle(ctx).catch((err: unknown) => {
      const e = toLlmGatewayError(err);
      if (e.code === 'GW_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e, requestId }, 'unhandled error');
      renderLlmError(res, e, { protocol, requestId });
    });
  };
}
